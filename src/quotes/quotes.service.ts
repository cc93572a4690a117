import { Injectable } from '@nestjs/common';
import { CacheService } from '../cache/cache.service.js';
import type { CachedQuote } from '../cache/cached-quote.js';
import { Clock } from '../clock/clock.js';
import { KiteApiService } from '../auth/kite-api.service.js';
import { istIso } from '../clock/ist.js';
import { isIndex } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import { InstrumentsService } from '../instruments/instruments.service.js';

/** Kite allows about one quote request a second, of up to 500 instruments. */
const MIN_GAP_MS = 1000;
const BATCH = 500;

export type Quote = Tick & { as_of: string };

/** A cached quote as the API answers it: the tick and the instant it was received (IST). */
const toQuote = (c: CachedQuote): Quote => ({ ...c.tick, as_of: istIso(c.as_of) });

/**
 * Read-through quotes: fresh from the cache, else from Kite's quote API (then cached). Concurrent
 * misses wait for one shared Kite request.
 */
@Injectable()
export class QuotesService {
  private readonly waiting = new Map<number, Promise<Quote | undefined>>();
  private queue: { token: number; resolve: (q: Quote | undefined) => void; reject: (e: unknown) => void }[] =
    [];
  private timer?: NodeJS.Timeout;
  private lastCall = 0;

  constructor(
    private readonly cache: CacheService,
    private readonly kite: KiteApiService,
    private readonly instruments: InstrumentsService,
    private readonly clock: Clock,
  ) {}

  async get(tokens: number[]): Promise<Map<number, Quote>> {
    const out = new Map<number, Quote>();
    const cached = await this.cache.getQuotes(tokens);
    const missing: number[] = [];
    for (const t of tokens) {
      const c = cached.get(t);
      if (c) out.set(t, toQuote(c));
      else missing.push(t);
    }
    const fetched = await Promise.all(missing.map((t) => this.fetchOne(t)));
    missing.forEach((t, i) => fetched[i] && out.set(t, fetched[i]));
    return out;
  }

  private fetchOne(token: number): Promise<Quote | undefined> {
    let p = this.waiting.get(token);
    if (!p) {
      p = new Promise<Quote | undefined>((resolve, reject) =>
        this.queue.push({ token, resolve, reject }),
      ).finally(() => this.waiting.delete(token));
      this.waiting.set(token, p);
      this.schedule();
    }
    return p;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(5, this.lastCall + MIN_GAP_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, wait);
  }

  private async run(): Promise<void> {
    const queued = this.queue.splice(0, BATCH);
    if (this.queue.length > 0) this.schedule();
    // A request that missed the cache while the previous Kite call was answering is served by that
    // call's result: check again just before asking Kite.
    const batch: typeof queued = [];
    const cached = await this.cache
      .getQuotes(
        queued.map((b) => b.token),
        false,
      )
      .catch(() => new Map<number, CachedQuote>());
    for (const b of queued) {
      const c = cached.get(b.token);
      if (c) b.resolve(toQuote(c));
      else batch.push(b);
    }
    if (batch.length === 0) return;
    this.lastCall = Date.now();
    try {
      const data = await this.kite.call('quote', (k) => k.getQuote(batch.map((b) => String(b.token))));
      const now = this.clock.now();
      const ticks: Tick[] = [];
      for (const b of batch) {
        const raw = data[String(b.token)];
        const tick = raw ? this.toTick(b.token, raw) : undefined;
        if (tick) ticks.push(tick);
        b.resolve(tick && { ...tick, as_of: istIso(now) });
      }
      this.cache.putTicks(ticks, now);
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  private toTick(token: number, q: Record<string, unknown>): Tick | undefined {
    const last = Number(q.last_price);
    if (!Number.isFinite(last)) return undefined;
    const ohlc = q.ohlc as Tick['ohlc'];
    const close = ohlc?.close ?? 0;
    const time = (v: unknown) =>
      typeof v === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/.test(v)
        ? `${v.slice(0, 10)}T${v.slice(11, 19)}+05:30`
        : null;
    const tick: Tick = {
      instrument_token: token,
      symbol: this.instruments.symbolOf(token),
      mode: 'full',
      tradable: !isIndex(token),
      last_price: last,
      last_quantity: num(q.last_quantity),
      average_price: num(q.average_price),
      volume: num(q.volume),
      buy_quantity: num(q.buy_quantity),
      sell_quantity: num(q.sell_quantity),
      ohlc,
      change: last - close,
      change_percent: close ? ((last - close) * 100) / close : 0,
      last_trade_time: time(q.last_trade_time),
      timestamp: time(q.timestamp),
      oi: num(q.oi),
      oi_day_high: num(q.oi_day_high),
      oi_day_low: num(q.oi_day_low),
      depth: q.depth as Tick['depth'],
    };
    if (!tick.symbol) delete tick.symbol;
    return tick;
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
