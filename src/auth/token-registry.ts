import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { RedisClients } from '../redis/redis-clients.js';
import { TokenStore } from '../redis/token.store.js';
import { ROLES, type Role } from './auth.constants.js';

/** How a token came to be: `POST /api/admin/tokens`, the dashboard login, `npm run token`, or an invite link. */
export type TokenKind = 'api' | 'login' | 'cli' | 'invite';

/** A minted token as the registry knows it (never the token itself). Times are epoch ms. */
export interface TokenEntry {
  id: string;
  sub: string;
  role: Role;
  kind: TokenKind;
  issuedAt: number;
  expiresAt: number;
  lastSeen?: number;
}

/** What a token says about itself when it is used (the verified claims). */
export interface SeenToken {
  jti?: string;
  sub: string;
  role: Role;
  iat?: number;
  exp: number;
}

/** A use is written at most this often per token. */
const SEEN_EVERY_MS = 60_000;

/**
 * Minted tokens and their revocations. Entries live in Redis when it is configured (every node
 * lists the same), else in memory. Revocations are kept in a local map, loaded at boot and on
 * every `token.revoked` (this node's or, through the cluster bridge, another's), so that
 * `isRevoked` is a map lookup on every handshake and request. Times are wall-clock, like the JWTs'.
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

  constructor(
    config: AppConfigService,
    private readonly store: TokenStore,
    private readonly redis: RedisClients,
    private readonly events: RelayEvents,
  ) {
    this.nodeId = config.values.nodeId;
    this.off.push(
      events.on('token.revoked', ({ id, exp }) => this.markRevoked(id, exp * 1000)),
      // Revocations heard or made while Redis was away are loaded and written back.
      events.on('redis.availability', ({ up }) => void (up && this.syncRevocations())),
    );
  }

  async onModuleInit(): Promise<void> {
    if (this.redis.up) await this.syncRevocations();
  }

  onModuleDestroy(): void {
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
    // A token this node did not mint and Redis does not know: `npm run token` (no Redis there).
    const entry: TokenEntry = this.local.get(id) ?? {
      id,
      sub: t.sub,
      role: t.role,
      kind: 'cli',
      issuedAt: (t.iat ?? t.exp) * 1000,
      expiresAt: t.exp * 1000,
    };
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

  /** Revokes a live token everywhere; undefined when no live token has this id. */
  async revoke(id: string): Promise<TokenEntry | undefined> {
    const entry = await this.find(id);
    if (!entry || entry.expiresAt <= Date.now() || this.revoked.has(id)) return undefined;
    // The event reaches this node's listeners at once (refusal, socket disconnects), then the cluster.
    this.events.emit('token.revoked', {
      origin: this.nodeId,
      id,
      exp: Math.ceil(entry.expiresAt / 1000),
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
      return text === undefined ? this.local.get(id) : parseEntry(id, text);
    } catch (err) {
      this.logger.warn(`could not read token ${id} from Redis: ${errorText(err)}`);
      return this.local.get(id);
    }
  }

  private markRevoked(id: string, expMs: number): void {
    this.forgetExpired(this.revoked, Date.now(), (exp) => exp);
    this.revoked.set(id, expMs);
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

  private async syncRevocations(): Promise<void> {
    try {
      const now = Date.now();
      // Only a known, future expiry is written back; a key without a TTL stays as it is in Redis.
      for (const [id, exp] of this.revoked) {
        if (Number.isFinite(exp) && exp > now) await this.store.revoke(id, exp);
      }
      for (const [id, exp] of await this.store.revocations(now)) {
        if (!this.revoked.has(id)) this.revoked.set(id, exp);
      }
    } catch (err) {
      this.logger.warn(`could not load token revocations from Redis: ${errorText(err)}`);
    }
  }

  private forgetExpired<V>(map: Map<string, V>, now: number, exp: (v: V) => number): void {
    for (const [k, v] of map) if (exp(v) <= now) map.delete(k);
  }
}

/** The stored form of an entry: its claims and kind, without the id (the field name) or uses. */
function stored(e: TokenEntry): string {
  return JSON.stringify({ sub: e.sub, role: e.role, kind: e.kind, iat: e.issuedAt, exp: e.expiresAt });
}

function parseEntry(id: string, text: string): TokenEntry | undefined {
  try {
    const v = JSON.parse(text) as {
      sub?: unknown;
      role?: unknown;
      kind?: unknown;
      iat?: unknown;
      exp?: unknown;
    };
    if (typeof v.sub !== 'string' || !ROLES.includes(v.role as Role)) return undefined;
    if (typeof v.iat !== 'number' || typeof v.exp !== 'number') return undefined;
    const kind = (['api', 'login', 'cli', 'invite'] as const).find((k) => k === v.kind) ?? 'api';
    return { id, sub: v.sub, role: v.role as Role, kind, issuedAt: v.iat, expiresAt: v.exp };
  } catch {
    return undefined;
  }
}
