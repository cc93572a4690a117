import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { CacheService } from '../cache/cache.service.js';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { AppConfigService } from '../config/app-config.service.js';
import { istIso } from '../kite/ist-time.js';
import { createKiteRest, isTokenException, kiteErrorMessage, type KiteRest } from '../kite/kite-rest.js';
import { kiteTokenExpiry } from './expiry.js';
import { openSession, sealSession } from './session-crypto.js';

export type AuthState = 'UNAUTHENTICATED' | 'AUTHENTICATED' | 'EXPIRED';

/** The Kite session. The access token never leaves this process except to Kite. */
export interface KiteSession {
  accessToken: string;
  userId: string;
  userName: string;
  loginTime: number;
  expiresAt: number;
}

export type SessionEvent =
  | { type: 'session changed'; session: KiteSession }
  | { type: 'session expired'; reason: string }
  | { type: 'session cleared' };

/** What `/api/auth/status` shows: never the token. */
export interface AuthStatus {
  state: AuthState;
  user_id?: string;
  user_name?: string;
  login_time?: string;
  expires_at?: string;
}

/** Thrown for a token or login that Kite refused; carries a message safe to show. */
export class KiteLoginError extends Error {}

/** The only owner of the Kite session: login, manual token, daily expiry, logout, persistence. */
@Injectable()
export class AuthService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuthService.name);
  private readonly events = new Subject<SessionEvent>();
  private session?: KiteSession;
  private stateValue: AuthState = 'UNAUTHENTICATED';
  private expiryTimer?: ClockTimer;

  /** One stream of session changes; each change reaches every subscriber exactly once. */
  readonly events$: Observable<SessionEvent> = this.events.asObservable();

  constructor(
    private readonly config: AppConfigService,
    private readonly cache: CacheService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const manual = this.config.values.kite.accessToken;
    if (manual) {
      try {
        await this.installAccessToken(manual);
        return;
      } catch (err) {
        this.logger.error(
          `KITE_ACCESS_TOKEN was refused by Kite: ${(err as Error).message}; log in through the dashboard instead`,
        );
      }
    }
    await this.restore();
  }

  onApplicationShutdown(): void {
    this.expiryTimer?.cancel();
    this.events.complete();
  }

  get state(): AuthState {
    return this.stateValue;
  }

  /** The current session, for the feed and Kite REST calls; undefined unless AUTHENTICATED. */
  get current(): KiteSession | undefined {
    return this.stateValue === 'AUTHENTICATED' ? this.session : undefined;
  }

  status(): AuthStatus {
    const s = this.session;
    if (!s) return { state: this.stateValue };
    return {
      state: this.stateValue,
      user_id: s.userId,
      user_name: s.userName,
      login_time: istIso(s.loginTime),
      expires_at: istIso(s.expiresAt),
    };
  }

  /** A REST client for Kite (with the current token when there is one). */
  rest(accessToken = this.current?.accessToken): KiteRest {
    const { apiKey, apiRoot } = this.config.values.kite;
    return createKiteRest(apiKey, apiRoot, accessToken);
  }

  /** Completes the login flow: exchanges a request token for a session (kiteconnect `generateSession`). */
  async loginWithRequestToken(requestToken: string): Promise<KiteSession> {
    let data;
    try {
      data = await this.rest(undefined).generateSession(requestToken, this.config.values.kite.apiSecret);
    } catch (err) {
      throw new KiteLoginError(`Kite refused the login: ${kiteErrorMessage(err)}`);
    }
    const allowed = this.config.values.allowedKiteUserIds;
    if (allowed && !allowed.includes(data.user_id.toUpperCase())) {
      await this.rest(data.access_token)
        .invalidateAccessToken(data.access_token)
        .catch(() => undefined);
      throw new KiteLoginError(
        `Kite user ${data.user_id} is not allowed to log in here (ALLOWED_KITE_USER_IDS)`,
      );
    }
    return this.install(data.access_token, data.user_id, data.user_name);
  }

  /** Installs a token obtained elsewhere, after checking it against Kite's profile endpoint. */
  async installAccessToken(accessToken: string): Promise<KiteSession> {
    let profile;
    try {
      profile = await this.rest(accessToken).getProfile();
    } catch (err) {
      throw new KiteLoginError(
        isTokenException(err)
          ? 'Kite rejected the access token (expired, invalidated, or issued for another API key)'
          : `Kite could not check the access token: ${kiteErrorMessage(err)}`,
      );
    }
    return this.install(accessToken, profile.user_id, profile.user_name);
  }

  /** Logs out at Kite and forgets the session. */
  async logout(): Promise<void> {
    const s = this.session;
    if (s && this.stateValue === 'AUTHENTICATED') {
      await this.rest(s.accessToken)
        .invalidateAccessToken(s.accessToken)
        .catch((err: unknown) => this.logger.warn(`Kite logout failed: ${kiteErrorMessage(err)}`));
    }
    this.expiryTimer?.cancel();
    this.session = undefined;
    this.stateValue = 'UNAUTHENTICATED';
    await this.cache.deleteSession().catch(() => undefined);
    this.logger.log('Kite session: logged out');
    this.events.next({ type: 'session cleared' });
  }

  /**
   * Any module that sees Kite refuse a token (TokenException / HTTP 403) reports it here.
   * A report about a token that is no longer current is ignored.
   */
  reportTokenRejected(accessToken: string | undefined, where: string): void {
    if (this.stateValue !== 'AUTHENTICATED' || !this.session) return;
    if (accessToken !== undefined && accessToken !== this.session.accessToken) return;
    void this.expire(`Kite rejected the token (${where})`);
  }

  private async install(accessToken: string, userId: string, userName: string): Promise<KiteSession> {
    const loginTime = this.clock.now();
    const session: KiteSession = {
      accessToken,
      userId,
      userName,
      loginTime,
      expiresAt: kiteTokenExpiry(loginTime),
    };
    await this.persist(session);
    this.activate(session);
    this.logger.log(`Kite session: ${userId} logged in, expires ${istIso(session.expiresAt)}`);
    return session;
  }

  private activate(session: KiteSession): void {
    this.session = session;
    this.stateValue = 'AUTHENTICATED';
    this.expiryTimer?.cancel();
    this.expiryTimer = this.clock.at(session.expiresAt, () => void this.expire('daily expiry at 06:00 IST'));
    this.events.next({ type: 'session changed', session });
  }

  private async expire(reason: string): Promise<void> {
    if (this.stateValue !== 'AUTHENTICATED') return;
    this.stateValue = 'EXPIRED';
    this.expiryTimer?.cancel();
    this.logger.warn(`Kite session expired: ${reason}; log in again`);
    this.events.next({ type: 'session expired', reason });
    await this.cache.deleteSession().catch(() => undefined);
  }

  private async persist(session: KiteSession): Promise<void> {
    try {
      await this.cache.setSession(sealSession(session, this.config.values.jwtSecret));
    } catch (err) {
      this.logger.warn(`could not store the Kite session: ${(err as Error).message}`);
    }
  }

  private async restore(): Promise<void> {
    const sealed = await this.cache.getSession().catch(() => undefined);
    if (!sealed) return;
    const session = openSession<KiteSession>(sealed, this.config.values.jwtSecret);
    if (!session) {
      this.logger.warn('stored Kite session cannot be read (JWT_SECRET changed?); log in again');
      return;
    }
    if (session.expiresAt <= this.clock.now()) {
      await this.cache.deleteSession().catch(() => undefined);
      this.logger.log('stored Kite session had expired; log in again');
      return;
    }
    this.activate(session);
    this.logger.log(`Kite session restored for ${session.userId}, expires ${istIso(session.expiresAt)}`);
  }
}
