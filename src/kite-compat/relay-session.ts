import { Injectable } from '@nestjs/common';
import { KiteSessionService } from '../auth/kite-session.service.js';
import { relaySessionError, type KiteException } from './kite-exception.js';

/** The relay's own Kite session, as the /kite routes report it: the TokenException to answer while there is none. */
@Injectable()
export class RelaySession {
  constructor(private readonly session: KiteSessionService) {}

  /** Undefined while the relay has a Kite session; else the TokenException saying the owner must log in again. */
  missing(): KiteException | undefined {
    const state = this.session.state;
    return state === 'AUTHENTICATED' ? undefined : relaySessionError(state === 'EXPIRED');
  }
}
