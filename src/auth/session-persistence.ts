import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { InvalidExpiryError } from '../redis/expiry.js';
import { RedisClients } from '../redis/redis-clients.js';
import { SessionStore } from '../redis/session.store.js';
import type { KiteSession } from './kite-session.js';
import { openSession, sealSession } from './session-crypto.js';
import { SessionFile } from './session-file.js';

/**
 * Keeps the Kite session across restarts and nodes: sealed (AES-256-GCM) in Redis, expiring with
 * the session. A node without Redis (no REDIS_URL) keeps the same sealed text in DATA_DIR instead,
 * so its restart needs no new login either. The session service holds the live copy; when Redis
 * answers again without it (restarted empty, or written while it was away), it is written back,
 * so nothing already stored is lost. A node with Redis never reads the file: another node may
 * have logged out since.
 */
@Injectable()
export class SessionPersistence implements OnModuleDestroy {
  private readonly logger = new Logger(SessionPersistence.name);
  private current: () => KiteSession | undefined = () => undefined;
  private readonly off: () => void;

  constructor(
    private readonly config: AppConfigService,
    private readonly store: SessionStore,
    private readonly redis: RedisClients,
    private readonly clock: Clock,
    events: RelayEvents,
    private readonly file: SessionFile,
  ) {
    this.off = events.on('redis.availability', ({ up }) => {
      if (up) void this.writeBack();
    });
  }

  onModuleDestroy(): void {
    this.off();
  }

  /** Tells where the live session is, for the write-back after an outage. */
  onStoreBack(current: () => KiteSession | undefined): void {
    this.current = current;
  }

  async read(): Promise<KiteSession | undefined> {
    const sealed = await this.readSealed();
    if (!sealed) return undefined;
    const session = openSession<KiteSession>(sealed, this.config.values.sessionEncryptionKey);
    if (!session) {
      this.logger.warn('stored Kite session cannot be read (SESSION_ENCRYPTION_KEY changed?); log in again');
    }
    return session;
  }

  private async readSealed(): Promise<string | undefined> {
    try {
      if (!this.redis.configured) return await this.file.read();
      return this.redis.up ? await this.store.read() : undefined;
    } catch (err) {
      this.logger.warn(`could not read the stored Kite session: ${errorText(err)}`);
      return undefined;
    }
  }

  /** Stores the session; a failure is logged (the session still works on this node, and is written back later). */
  async write(session: KiteSession): Promise<void> {
    const ttl = session.expiresAt - this.clock.now();
    // An expired session is not stored (and is no Redis failure: nothing was sent).
    if (!(ttl > 0)) return;
    if (!this.redis.configured) {
      const sealed = sealSession(session, this.config.values.sessionEncryptionKey);
      return this.file.write(sealed).catch((err: unknown) => {
        this.logger.warn(`could not keep the Kite session in DATA_DIR: ${errorText(err)}`);
      });
    }
    if (!this.redis.up) return;
    try {
      await this.store.write(sealSession(session, this.config.values.sessionEncryptionKey), ttl);
    } catch (err) {
      if (!(err instanceof InvalidExpiryError)) this.redis.reportFailure(errorText(err));
      this.logger.warn(`could not store the Kite session: ${errorText(err)}`);
    }
  }

  async delete(): Promise<void> {
    if (!this.redis.configured) {
      return this.file.delete().catch((err: unknown) => {
        this.logger.warn(`could not delete the Kite session kept in DATA_DIR: ${errorText(err)}`);
      });
    }
    if (!this.redis.up) return;
    try {
      await this.store.delete();
    } catch (err) {
      this.redis.reportFailure(errorText(err));
      this.logger.warn(`could not delete the stored Kite session: ${errorText(err)}`);
    }
  }

  private async writeBack(): Promise<void> {
    const session = this.current();
    if (!session) return;
    try {
      if (!(await this.store.read())) await this.write(session);
    } catch (err) {
      this.logger.warn(`could not write the Kite session back to Redis: ${errorText(err)}`);
    }
  }
}
