import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { RedisClients } from '../redis/redis-clients.js';
import { TokenStore } from '../redis/token.store.js';
import { RevocationFile } from './revocation-file.js';
import { cliEntry, parseEntry, stored, type SeenToken, type TokenEntry } from './token-entry.js';

export type { SeenToken, TokenEntry, TokenKind } from './token-entry.js';

/** A use is written at most this often per token. */
const SEEN_EVERY_MS = 60_000;
/** How often revocations are compared with Redis, and the missing `revoked:` keys written back. */
const RESYNC_MS = 30_000;

/**
 * Minted tokens and their revocations. Entries live in Redis when it is configured (every node
 * lists the same), else in memory. Revocations are kept in a local map, loaded at boot and on
 * every `token.revoked` (this node's or, through the cluster bridge, another's), so that
 * `isRevoked` is a map lookup on every handshake and request. The map is also kept in DATA_DIR and
 * restored from there at boot; every 30 s (and when Redis returns) a `revoked:` key that is missing
 * from Redis (flushed, deleted) is written back. Times are wall-clock, like the JWTs'.
 */
@Injectable()
export class TokenRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TokenRegistry.name);
  /** All entries without Redis; with it, those minted here (a fallback while Redis is down). */
  private readonly local = new Map<string, TokenEntry>();
  /** Revoked id → its expiry (epoch ms). */
  private readonly revoked = new Map<string, number>();
  /** Id → when its use was last written, and its expiry (to forget it). */
  private readonly lastWrite = new Map<string, { at: number; exp: number }>();
  private readonly off: (() => void)[] = [];
  private readonly nodeId: string;
  private recorded = 0;
  /** The DATA_DIR copy, read first: nothing is written to the file or learned from Redis before it is in the map. */
  private readonly restored: Promise<void>;
  private saving: Promise<void>;
  private resync?: NodeJS.Timeout;

  constructor(
    config: AppConfigService,
    private readonly store: TokenStore,
    private readonly redis: RedisClients,
    private readonly events: RelayEvents,
    private readonly file: RevocationFile,
  ) {
    this.nodeId = config.values.nodeId;
    this.restored = this.restore();
    this.saving = this.restored;
    this.off.push(
      events.on('token.revoked', ({ id, exp }) => this.markRevoked(id, exp * 1000)),
      // Revocations heard or made while Redis was away are loaded and written back.
      events.on('redis.availability', ({ up }) => void (up && this.syncRevocations())),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.restored;
    if (this.redis.up) await this.syncRevocations();
    if (this.redis.configured) {
      this.resync = setInterval(() => void (this.redis.up && this.syncRevocations()), RESYNC_MS);
      this.resync.unref();
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.resync);
    for (const off of this.off) off();
  }

  isRevoked(id: string): boolean {
    return this.revoked.has(id);
  }

  /** Registers a freshly minted token; never rejects (a Redis failure is logged, the entry kept here). */
  async record(entry: TokenEntry): Promise<void> {
    this.local.set(entry.id, entry);
    // Expired entries go when tokens are listed; minting often without listing sweeps too.
    if (++this.recorded % 100 === 0) void this.list();
    if (!this.redis.up) return;
    try {
      await this.store.write(entry.id, stored(entry));
    } catch (err) {
      this.logger.warn(`could not register token ${entry.id} in Redis: ${errorText(err)}`);
    }
  }

  /** Notes that a token was used (HTTP or socket handshake), at most once a minute per token. */
  seen(t: SeenToken): void {
    const id = t.jti;
    if (!id) return;
    const now = Date.now();
    const last = this.lastWrite.get(id);
    if (last && now - last.at < SEEN_EVERY_MS) return;
    if (this.lastWrite.size > 10_000) this.forgetExpired(this.lastWrite, now, (v) => v.exp);
    this.lastWrite.set(id, { at: now, exp: t.exp * 1000 });
    const entry: TokenEntry = this.local.get(id) ?? cliEntry(id, t);
    if (!this.redis.configured) {
      this.local.set(id, { ...entry, lastSeen: now });
      return;
    }
    if (!this.redis.up) return;
    this.store.touch(id, now, stored(entry)).catch((err: unknown) => {
      this.logger.warn(`could not note the use of token ${id}: ${errorText(err)}`);
    });
  }

  /** The live (unexpired, unrevoked) tokens, soonest expiry first. */
  async list(): Promise<TokenEntry[]> {
    const now = Date.now();
    let entries = [...this.local.values()];
    if (this.redis.up) {
      try {
        entries = await this.fromRedis(now);
      } catch (err) {
        this.logger.warn(`could not list tokens from Redis (showing this node's): ${errorText(err)}`);
      }
    }
    this.forgetExpired(this.local, now, (e) => e.expiresAt);
    return entries
      .filter((e) => e.expiresAt > now && !this.revoked.has(e.id))
      .sort((a, b) => a.expiresAt - b.expiresAt);
  }

  /**
   * Revokes a live token everywhere, and every live token minted under it (transitively);
   * undefined when no live token has this id. Unused invites follow through 'token.revoked'.
   * `cascade: false` revokes this one alone (a dashboard logout keeps the bots it minted).
   */
  async revoke(id: string, { cascade = true } = {}): Promise<TokenEntry | undefined> {
    const entry = await this.revokeOne(id, cascade);
    if (!entry || !cascade) return entry;
    const children = new Map<string, string[]>();
    for (const e of await this.list()) {
      if (e.parent) children.set(e.parent, [...(children.get(e.parent) ?? []), e.id]);
    }
    const queue = [...(children.get(id) ?? [])];
    let cascaded = 0;
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (await this.revokeOne(next)) cascaded++;
      queue.push(...(children.get(next) ?? []));
    }
    if (cascaded > 0) this.logger.log(`token ${id}: ${cascaded} token(s) minted under it revoked with it`);
    return entry;
  }

  private async revokeOne(id: string, cascade = true): Promise<TokenEntry | undefined> {
    const entry = await this.find(id);
    if (!entry || entry.expiresAt <= Date.now() || this.revoked.has(id)) return undefined;
    // The event reaches this node's listeners at once (refusal, socket disconnects), then the cluster.
    this.events.emit('token.revoked', {
      origin: this.nodeId,
      id,
      exp: Math.ceil(entry.expiresAt / 1000),
      ...(cascade ? {} : { cascade: false }),
    });
    this.local.delete(id);
    if (this.redis.up) {
      try {
        await this.store.revoke(id, entry.expiresAt);
        await this.store.remove([id]);
      } catch (err) {
        this.logger.warn(`revocation of ${id} is not stored in Redis yet: ${errorText(err)}`);
      }
    }
    this.logger.log(`token ${id} (${entry.kind}, ${entry.sub}) revoked`);
    return entry;
  }

  /** The entry of a token id (live or not), from Redis when it answers, else this node's. */
  async find(id: string): Promise<TokenEntry | undefined> {
    if (!this.redis.up) return this.local.get(id);
    try {
      const text = await this.store.read(id);
      return (text === undefined ? undefined : parseEntry(id, text)) ?? this.local.get(id);
    } catch (err) {
      this.logger.warn(`could not read token ${id} from Redis: ${errorText(err)}`);
      return this.local.get(id);
    }
  }

  private markRevoked(id: string, expMs: number): void {
    this.forgetExpired(this.revoked, Date.now(), (exp) => exp);
    this.revoked.set(id, expMs);
    this.persist();
  }

  /** Writes the revocations to DATA_DIR, one write after another (never rejects). */
  private persist(): void {
    this.saving = this.saving
      .then(() => this.file.write(this.revoked))
      .catch((err: unknown) => this.logger.warn(`could not keep revocations in DATA_DIR: ${errorText(err)}`));
  }

  private async fromRedis(now: number): Promise<TokenEntry[]> {
    const { entries, seen } = await this.store.all();
    const live: TokenEntry[] = [];
    const dead: string[] = [];
    for (const [id, text] of Object.entries(entries)) {
      const e = parseEntry(id, text);
      if (!e || e.expiresAt <= now) dead.push(id);
      else live.push(seen[id] ? { ...e, lastSeen: Number(seen[id]) } : e);
    }
    for (const id of Object.keys(seen)) if (!(id in entries)) dead.push(id);
    if (dead.length > 0) await this.store.remove(dead);
    return live;
  }

  /** Merges the DATA_DIR copy in (a revocation heard meanwhile stays); never rejects. */
  private async restore(): Promise<void> {
    try {
      for (const [id, exp] of await this.file.read()) if (!this.revoked.has(id)) this.revoked.set(id, exp);
    } catch (err) {
      this.logger.warn(`could not read the revocations kept in DATA_DIR: ${errorText(err)}`);
    }
  }

  private async syncRevocations(): Promise<void> {
    await this.restored;
    try {
      const now = Date.now();
      const inRedis = await this.store.revocations(now);
      // Only a missing key with a known, future expiry is written back; one without a TTL stays as it is.
      for (const [id, exp] of this.revoked) {
        if (!inRedis.has(id) && Number.isFinite(exp) && exp > now) await this.store.revoke(id, exp);
      }
      let learned = false;
      for (const [id, exp] of inRedis) {
        if (this.revoked.has(id)) continue;
        this.revoked.set(id, exp);
        learned = true;
      }
      if (learned) this.persist();
    } catch (err) {
      this.logger.warn(`could not load token revocations from Redis: ${errorText(err)}`);
    }
  }

  private forgetExpired<V>(map: Map<string, V>, now: number, exp: (v: V) => number): void {
    for (const [k, v] of map) if (exp(v) <= now) map.delete(k);
  }
}
