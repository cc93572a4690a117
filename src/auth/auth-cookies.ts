import { Injectable } from '@nestjs/common';
import type { CookieOptions, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { AppConfigService } from '../config/app-config.service.js';
import { SESSION_COOKIE, STATE_COOKIE, STATE_TTL_MS } from './auth.constants.js';
import { readCookie } from './cookies.js';

/**
 * The two cookies of the dashboard login, and the one place that knows their names: `__Host-`
 * prefixed when PUBLIC_URL is https (always in production: Secure, Path=/, no Domain, so no
 * sibling host can set or shadow them), plain on http://localhost, where browsers refuse `__Host-`.
 */
@Injectable()
export class AuthCookies {
  readonly secure: boolean;
  readonly session: string;
  readonly state: string;
  private readonly statePath: string;

  constructor(config: AppConfigService) {
    this.secure = config.values.publicUrl.startsWith('https://');
    const prefix = this.secure ? '__Host-' : '';
    this.session = prefix + SESSION_COOKIE;
    this.state = prefix + STATE_COOKIE;
    // __Host- requires Path=/; the plain cookie stays on the login routes only.
    this.statePath = this.secure ? '/' : '/api/auth/kite';
  }

  readSession(req: Pick<IncomingMessage, 'headers'>): string | undefined {
    return readCookie(req, this.session);
  }

  readState(req: Pick<IncomingMessage, 'headers'>): string | undefined {
    return readCookie(req, this.state);
  }

  setSession(res: Response, token: string, maxAgeMs: number): void {
    res.cookie(this.session, token, { ...this.base('/'), maxAge: maxAgeMs });
  }

  clearSession(res: Response): void {
    res.clearCookie(this.session, this.base('/'));
  }

  setState(res: Response, state: string): void {
    res.cookie(this.state, state, { ...this.base(this.statePath), maxAge: STATE_TTL_MS });
  }

  clearState(res: Response): void {
    res.clearCookie(this.state, this.base(this.statePath));
  }

  private base(path: string): CookieOptions {
    return { httpOnly: true, sameSite: 'lax', secure: this.secure, path };
  }
}
