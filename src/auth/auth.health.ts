import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { KiteSessionService } from './kite-session.service.js';

/** Reports the Kite login state; never down (an admin must still reach the login endpoint). */
@Injectable()
export class AuthHealthIndicator {
  constructor(
    private readonly auth: KiteSessionService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  /** `full`: the caller holds a valid admin token; anyone else learns the state, not who is logged in. */
  check(full = false) {
    const s = this.auth.status(full);
    return this.indicator.check('auth').up({ state: s.state, user_id: s.user_id, expires_at: s.expires_at });
  }
}
