import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { errorText } from '../common/error-text.js';
import type {
  Candle,
  CandleBackend,
  SeriesChange,
  StoredSeries,
} from '../contracts/candle-store.contract.js';
import { ClusterKey } from './cluster-key.js';
import { ttlMs } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/** A key lives a day after its last write, so a session's candles are gone before long. */
export const CANDLE_KEY_TTL_MS = 24 * 3600_000;
const META = 'meta';
const SCAN_COUNT = 500;
const KIND = 'candle';

/**
 * The session's one-minute candles in Redis: one hash per session day and instrument
 * (`candles:<date>:<token>`), a field per minute (epoch seconds → `o,h,l,c,v`) and a `meta` field
 * (`cum,completeFrom`), each value sealed with the cluster key and bound to its hash and field: a
 * field someone wrote into Redis, or a minute copied to another, is not loaded (counted in
 * redis_records_refused_total{kind="candle"}). Each save is one pipeline. A failed save or load is reported to
 * RedisClients (Redis counts as down until a PING answers) and rethrown: what to do then is the
 * candles' policy. No check of `up` first: with the fail-fast connection a command to a Redis
 * that is down fails at once anyway.
 */
@Injectable()
export class CandleStore implements CandleBackend {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  private key(day: string, token: number): string {
    return this.redis.key(`candles:${day}:${token}`);
  }

  async save(day: string, changes: readonly SeriesChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.reported(async () => {
      const p = this.client().pipeline();
      for (const c of changes) {
        const key = this.key(day, c.token);
        if (c.removed.length) p.hdel(key, ...c.removed.map((t) => String(t / 1000)));
        const fields: string[] = [];
        const field = (name: string, value: string) =>
          fields.push(name, this.clusterKey.seal(KIND, `${key}#${name}`, value));
        field(META, `${c.cum ?? ''},${c.completeFrom}`);
        for (const x of c.upserts) field(String(x.t / 1000), `${x.o},${x.h},${x.l},${x.c},${x.v}`);
        p.hset(key, ...fields);
        p.pexpire(key, ttlMs(CANDLE_KEY_TTL_MS));
      }
      const results = (await p.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0]!;
    });
  }

  /** Every instrument's candles of `day`; a hash that cannot be read or has no meta is left out. */
  load(day: string): Promise<StoredSeries[]> {
    return this.reported(async () => {
      const match = `${this.redis.prefix.replace(/[*?[\]\\]/g, '\\$&')}candles:${day}:*`;
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await this.client().scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const out: StoredSeries[] = [];
      for (let i = 0; i < keys.length; i += SCAN_COUNT) {
        const part = keys.slice(i, i + SCAN_COUNT);
        const p = this.client().pipeline();
        for (const k of part) p.hgetall(k);
        const results = (await p.exec()) ?? [];
        results.forEach(([err, hash], j) => {
          const token = Number(part[j].slice(part[j].lastIndexOf(':') + 1));
          const s = err
            ? undefined
            : parseSeries(token, this.opened(part[j], hash as Record<string, string>));
          if (s) out.push(s);
        });
      }
      return out;
    });
  }

  /** The hash's fields whose seal holds, opened. */
  private opened(key: string, hash: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, sealed] of Object.entries(hash)) {
      const value = this.clusterKey.open(KIND, `${key}#${name}`, sealed);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  private async reported<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.redis.reportFailure(`candle store: ${errorText(err)}`);
      throw err;
    }
  }

  private client(): Redis {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}

/** One stored hash back into a series; malformed fields are skipped, a hash without meta is ignored. */
export function parseSeries(token: number, hash: Record<string, string>): StoredSeries | undefined {
  const meta = hash[META]?.split(',');
  const completeFrom = Number(meta?.[1]);
  if (!Number.isInteger(token) || token <= 0 || !meta || !Number.isFinite(completeFrom)) return undefined;
  const candles: Candle[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field === META) continue;
    const [o, h, l, c, v] = value.split(',').map(Number);
    const t = Number(field) * 1000;
    if ([t, o, h, l, c, v].every(Number.isFinite)) candles.push({ t, o, h, l, c, v });
  }
  candles.sort((a, b) => a.t - b.t);
  const cum = meta[0] === '' ? undefined : Number(meta[0]);
  return { token, candles, cum: Number.isFinite(cum) ? cum : undefined, completeFrom };
}
