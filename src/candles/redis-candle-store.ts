import type { Redis } from 'ioredis';
import type { SeriesChange, StoredSeries } from './candle-builder.js';
import { ttlMs } from '../redis/expiry.js';
import type { Candle } from './candle.js';
import type { CandleStore } from './candle-store.js';

/** A key lives a day after its last write, so a session's candles are gone before long. */
export const CANDLE_KEY_TTL_MS = 24 * 3600_000;
const META = 'meta';
const SCAN_COUNT = 500;

/**
 * Candles in Redis: one hash per session day and instrument (`<prefix>candles:<date>:<token>`),
 * a field per minute (epoch seconds → `o,h,l,c,v`) and a `meta` field (`cum,completeFrom`).
 * Each save is one pipeline. The client belongs to the caller.
 */
export class RedisCandleStore implements CandleStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(day: string, token: number): string {
    return `${this.prefix}candles:${day}:${token}`;
  }

  async save(day: string, changes: readonly SeriesChange[]): Promise<void> {
    if (changes.length === 0) return;
    const p = this.redis.pipeline();
    for (const c of changes) {
      const key = this.key(day, c.token);
      if (c.removed.length) p.hdel(key, ...c.removed.map((t) => String(t / 1000)));
      const fields: string[] = [META, `${c.cum ?? ''},${c.completeFrom}`];
      for (const x of c.upserts) fields.push(String(x.t / 1000), `${x.o},${x.h},${x.l},${x.c},${x.v}`);
      p.hset(key, ...fields);
      p.pexpire(key, ttlMs(CANDLE_KEY_TTL_MS));
    }
    const results = (await p.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) throw failed[0]!;
  }

  async load(day: string): Promise<StoredSeries[]> {
    const match = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}candles:${day}:*`;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const out: StoredSeries[] = [];
    for (let i = 0; i < keys.length; i += SCAN_COUNT) {
      const part = keys.slice(i, i + SCAN_COUNT);
      const p = this.redis.pipeline();
      for (const k of part) p.hgetall(k);
      const results = (await p.exec()) ?? [];
      results.forEach(([err, hash], j) => {
        const token = Number(part[j].slice(part[j].lastIndexOf(':') + 1));
        const s = err ? undefined : parseSeries(token, hash as Record<string, string>);
        if (s) out.push(s);
      });
    }
    return out;
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
