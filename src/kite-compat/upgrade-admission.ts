import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TokenService, type Principal } from '../auth/token.service.js';
import { AppConfigService } from '../config/app-config.service.js';
import { UnauthenticatedConnections } from '../gateway/unauthenticated-connections.js';
import { UserLimitsService } from '../gateway/user-limits.service.js';

export type Admission =
  | { ok: true; id: string; principal: Principal }
  | { ok: false; status: 403 | 429; reason: string; message: string };

/**
 * Who may open `/kite/ws`, with the rules `/market` uses: the token verified and not revoked
 * (TokenService), a browser's Origin in CORS_ORIGINS, the address under the unauthenticated-connection
 * cap (checked first; an upgrade refused for its token counts toward it for a while), the user under
 * its connection cap (UserLimitsService, cluster-wide). An admitted client
 * holds its place in the user's count until `release` or the end of its connection.
 */
@Injectable()
export class UpgradeAdmission {
  constructor(
    private readonly tokens: TokenService,
    private readonly limits: UserLimitsService,
    private readonly unauthenticated: UnauthenticatedConnections,
    private readonly config: AppConfigService,
  ) {}

  admit(req: IncomingMessage, accessToken: string | undefined): Admission {
    const origin = req.headers.origin;
    if (origin && !this.config.values.corsOrigins.includes(origin)) {
      return { ok: false, status: 403, reason: 'origin', message: 'origin not allowed (CORS_ORIGINS)' };
    }
    // Before the token is verified: an address flooding bad tokens is refused without that cost.
    if (!this.unauthenticated.admits(req)) {
      const message = 'too many connections from this address';
      return { ok: false, status: 429, reason: 'too_many_from_address', message };
    }
    const principal = this.tokens.admit(accessToken);
    if (!principal) {
      this.unauthenticated.failedUpgrade(req);
      return {
        ok: false,
        status: 403,
        reason: 'unauthorized',
        message: 'invalid, expired or revoked access_token',
      };
    }
    const id = `kite:${randomUUID()}`;
    if (!this.limits.connect(id, principal.sub, principal.limits)) {
      const message = 'too many connections for this user (MAX_CONNECTIONS_PER_USER)';
      return { ok: false, status: 429, reason: 'too_many_connections', message };
    }
    return { ok: true, id, principal };
  }

  /** An admitted client that never got its socket gives its place back. */
  release(id: string): void {
    this.limits.disconnect(id);
  }
}
