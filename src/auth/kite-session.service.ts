import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { istIso } from '../clock/ist.js';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { createKiteRest, isTokenException, kiteErrorMessage, type KiteRest } from '../kite/kite-rest.js';
import { kiteTokenExpiry } from './expiry.js';
import { KiteCalls } from './kite-calls.js';
import type { AuthState, AuthStatus, KiteSession } from './kite-session.js';
import { SessionPersistence } from './session-persistence.js';

export type { AuthState, AuthStatus, KiteSession } from './kite-session.js';

/** Thrown for a token or login that Kite refused; carries a message safe to show. */
export class KiteLoginError extends Error {}

/**
 * The only owner of the Kite session: login, manual token, daily expiry, logout. Raises
 * session.changed / session.expired / session.cleared; persistence is SessionPersistence's.
 */
@Injectable()
export class KiteSessionService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KiteSessionService.name);
  private session?: KiteSession;
  private stateValue: AuthState = 'UNAUTHENTICATED';
  private expiryTimer?: ClockTimer;
  private readonly nodeId: string;

  constructor(
    private readonly config: AppConfigService,
    private readonly persistence: SessionPersistence,
    private readonly events: RelayEvents,
    private readonly clock: Clock,
    private readonly calls: KiteCalls,
  ) {
    this.nodeId = config.values.nodeId;
  }

  async onModuleInit(): Promise<void> {
    this.persistence.onStoreBack(() => (this.stateValue === 'AUTHENTICATED' ? this.session : undefined));
    const manual = this.config.values.kite.accessToken;
    if (manual) {
      try {
        await this.installAccessToken(manual);
        return;
      } catch (err) {
        this.logger.error(
          `KITE_ACCESS_TOKEN was refused: ${errorText(err)}; log in through the dashboard instead`,
        );
      }
    }
    await this.restore();
  }

  onApplicationShutdown(): void {
    this.expiryTimer?.cancel();
  }

  get state(): AuthState {
    return this.stateValue;
  }

  /** The current session, for the feed and Kite REST calls; undefined unless AUTHENTICATED. */
  get current(): KiteSession | undefined {
    return this.stateValue === 'AUTHENTICATED' ? this.session : undefined;
  }

  /** What `/api/auth/status` and `/health` show; without `full` (anonymous callers) not who is logged in. */
  status(full = true): AuthStatus {
    const s = this.session;
    if (!s) return { state: this.stateValue };
    if (!full) return { state: this.stateValue, expires_at: istIso(s.expiresAt) };
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
      const { apiSecret } = this.config.values.kite;
      data = await this.calls.run('session', () =>
        this.rest(undefined).generateSession(requestToken, apiSecret),
      );
    } catch (err) {
      throw new KiteLoginError(`Kite refused the login: ${kiteErrorMessage(err)}`);
    }
    return this.install(data.access_token, data.user_id, data.user_name);
  }

  /** Installs a token obtained elsewhere, after checking it against Kite's profile endpoint. */
  async installAccessToken(accessToken: string): Promise<KiteSession> {
    let profile;
    try {
      profile = await this.calls.run('profile', () => this.rest(accessToken).getProfile());
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
    if (s && this.stateValue === 'AUTHENTICATED') await this.invalidateAtKite(s.accessToken, 'logout');
    this.forget();
    await this.persistence.delete();
    this.logger.log('Kite session: logged out');
    this.events.emit('session.cleared', { origin: this.nodeId });
  }

  /**
   * Any module that sees Kite refuse a token (TokenException / HTTP 403) reports it here.
   * A report about a token that is no longer current is ignored.
   */
  reportTokenRejected(accessToken: string | undefined, where: string): void {
    if (this.stateValue !== 'AUTHENTICATED' || !this.session) return;
    if (accessToken !== undefined && accessToken !== this.session.accessToken) return;
    void this.expire(`Kite rejected the token (${where})`, this.nodeId);
  }

  /**
   * Another node changed the session (cluster notice): take the stored one as this node's, or
   * follow the expiry or logout, without storing anything or notifying the cluster again.
   */
  async followRemote(kind: 'changed' | 'expired' | 'cleared', origin: string, reason = ''): Promise<void> {
    if (kind === 'expired') return this.expire(reason, origin);
    if (kind === 'cleared') {
      this.forget();
      this.events.emit('session.cleared', { origin });
      return;
    }
    const session = await this.persistence.read();
    if (!session || !this.admissible(session)) return;
    this.activate(session, origin, session.accessToken !== this.session?.accessToken);
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
    if (!this.allowed(userId)) {
      await this.invalidateAtKite(accessToken, 'refused user');
      throw new KiteLoginError(`Kite user ${userId} is not allowed to log in here (ALLOWED_KITE_USER_IDS)`);
    }
    await this.persistence.write(session);
    this.activate(session, this.nodeId, true);
    this.logger.log(`Kite session: ${userId} logged in, expires ${istIso(session.expiresAt)}`);
    return session;
  }

  private allowed(userId: string): boolean {
    const allowed = this.config.values.allowedKiteUserIds;
    return !allowed || allowed.includes(userId.toUpperCase());
  }

  private admissible(session: KiteSession): boolean {
    return session.expiresAt > this.clock.now() && this.allowed(session.userId);
  }

  /** `fresh`: a token this node did not hold before (not a restore of the same one). */
  private activate(session: KiteSession, origin: string, fresh: boolean): void {
    this.session = session;
    this.stateValue = 'AUTHENTICATED';
    this.expiryTimer?.cancel();
    this.expiryTimer = this.clock.at(
      session.expiresAt,
      () => void this.expire('daily expiry at 06:00 IST', this.nodeId),
    );
    this.events.emit('session.changed', {
      origin,
      fresh,
      userId: session.userId,
      expiresAt: session.expiresAt,
    });
  }

  private forget(): void {
    this.expiryTimer?.cancel();
    this.session = undefined;
    this.stateValue = 'UNAUTHENTICATED';
  }

  private async expire(reason: string, origin: string): Promise<void> {
    if (this.stateValue !== 'AUTHENTICATED') return;
    this.stateValue = 'EXPIRED';
    this.expiryTimer?.cancel();
    this.logger.warn(`Kite session expired: ${reason}; log in again`);
    this.events.emit('session.expired', { origin, reason });
    if (origin === this.nodeId) await this.persistence.delete();
  }

  private async invalidateAtKite(accessToken: string, why: string): Promise<void> {
    try {
      await this.calls.run('logout', () => this.rest(accessToken).invalidateAccessToken(accessToken));
    } catch (err) {
      this.logger.warn(`Kite token invalidation (${why}) failed: ${kiteErrorMessage(err)}`);
    }
  }

  private async restore(): Promise<void> {
    const session = await this.persistence.read();
    if (!session) return;
    if (session.expiresAt <= this.clock.now()) {
      await this.persistence.delete();
      this.logger.log('stored Kite session had expired; log in again');
      return;
    }
    if (!this.allowed(session.userId)) {
      await this.persistence.delete();
      this.logger.warn(
        `stored Kite session of ${session.userId} is not allowed here (ALLOWED_KITE_USER_IDS); log in again`,
      );
      return;
    }
    this.activate(session, this.nodeId, false);
    this.logger.log(`Kite session restored for ${session.userId}, expires ${istIso(session.expiresAt)}`);
  }
}
