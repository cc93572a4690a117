import { Injectable } from '@nestjs/common';
import { isTokenException, type KiteRest } from '../kite/kite-rest.js';
import { KiteCalls, type KiteCall } from './kite-calls.js';
import { KiteSessionService } from './kite-session.service.js';

export class NoSessionError extends Error {
  constructor() {
    super('no Kite session: log in first');
  }
}

/** Kite REST calls with the current session; a TokenException is reported to KiteSessionService at once. */
@Injectable()
export class KiteApiService {
  constructor(
    private readonly auth: KiteSessionService,
    private readonly calls: KiteCalls,
  ) {}

  /** Whether there is a session to call Kite with. */
  get hasSession(): boolean {
    return this.auth.current !== undefined;
  }

  async call<T>(what: KiteCall, fn: (kite: KiteRest) => Promise<T>): Promise<T> {
    const session = this.auth.current;
    if (!session) throw new NoSessionError();
    try {
      return await this.calls.run(what, () => fn(this.auth.rest(session.accessToken)));
    } catch (err) {
      if (isTokenException(err)) this.auth.reportTokenRejected(session.accessToken, what);
      throw err;
    }
  }
}
