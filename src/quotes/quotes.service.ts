import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { KiteApiService } from '../auth/kite-api.service.js';
import { CacheService } from '../cache/cache.service.js';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';
import { Clock } from '../clock/clock.js';
import { istIso } from '../clock/ist.js';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import { MODES, type TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import { FairQueue } from './fair-queue.js';
import { PacedPump } from './paced-pump.js';
import { QUOTE_CALL_GAP_MS, QUOTE_RATE_GATE, type QuoteRateGate } from './quote-rate-gate.js';
import { quoteToTick } from './quote-tick.js';

/** Instruments in one Kite quote call. */
export const QUOTE_BATCH = 500;
/** Misses that arrive together (one page's requests) wait this long to share the first call. */
const COLLECT_MS = 5;

export type Quote = Tick & { as_of: string };

/** The quotes of a lookup keyed by the input as given, the inputs that have none, and those refused. */
export interface QuoteLookup {
  data: Map<string, Quote>;
  missing: string[];
  /** Inputs of an exchange the token may not read (its `exchanges` limit): never fetched. */
  refused: string[];
}

/** Whether a token may read the instrument `symbol` (undefined when the master does not know it). */
export type SymbolFilter = (symbol: string | undefined) => boolean;

/** Whether a tick of `mode` carries every field a quote of `need` needs (full > quote > ltp). */
const covers = (mode: TickMode, need: TickMode) => MODES.indexOf(mode) >= MODES.indexOf(need);

/** A user asked for more uncached instruments than MAX_QUEUED_QUOTES_PER_USER allows to wait. */
export class QuoteQueueFullError extends Error {
  constructor(
    readonly max: number,
    readonly queued: number,
    /** Seconds until this user's queue would drain at the current pace. */
    readonly retryAfterS: number,
  ) {
    super(`at most ${max} uncached instruments may wait for Kite per user; ${queued} are waiting`);
  }
}

interface Waiter {
  /** The most any waiter needs: a quote cached meanwhile answers only if it covers this. */
  need: TickMode;
  promise: Promise<Quote | undefined>;
  resolve: (q: Quote | undefined) => void;
  reject: (e: unknown) => void;
}

/** A cached quote as the API answers it: the tick and the instant it was received (IST). */
const toQuote = (c: CachedQuote): Quote => ({ ...c.tick, as_of: istIso(c.as_of) });

/**
 * Read-through quotes: fresh from the cache, else from Kite's quote API (then cached). Misses wait
 * in a queue per user served round-robin, 500 a call, each call paced by QUOTE_RATE_GATE;
 * concurrent misses of one instrument share one fetch.
 */
@Injectable()
export class QuotesService implements OnApplicationShutdown {
  private readonly logger = new Logger(QuotesService.name);
  /** Instruments queued or in a call → their waiters. */
  private readonly waiting = new Map<number, Waiter>();
  private readonly queue = new FairQueue();
  /** One call per gate opening while anything waits; a call does not wait for the previous answer. */
  private readonly pump = new PacedPump({
    pending: () => this.queue.size > 0,
    collect: () => new Promise((resolve) => setTimeout(resolve, COLLECT_MS)),
    slot: () => this.slot(),
    dispatch: () => {
      const batch = this.queue.take(QUOTE_BATCH);
      if (batch.length > 0) void this.call(batch);
    },
  });
  private readonly maxQueued: number;

  constructor(
    private readonly cache: CacheService,
    private readonly kite: KiteApiService,
    private readonly instruments: InstrumentsService,
    private readonly clock: Clock,
    @Inject(QUOTE_RATE_GATE) private readonly gate: QuoteRateGate,
    config: AppConfigService,
  ) {
    this.maxQueued = config.values.maxQueuedQuotesPerUser;
  }

  onApplicationShutdown(): void {
    this.pump.close();
    const gone = new Error('shutting down');
    for (const t of this.queue.drain()) this.waiting.get(t)?.reject(gone);
  }

  /**
   * Quotes of `inputs` (`EXCHANGE:SYMBOL` or instrument tokens) for `user`, each with at least the
   * fields of `need`: the one code path of /api/quotes and /kite/quote*. Unknown inputs are missing;
   * those `allowed` refuses (the token's exchanges) are refused, before any cache read or Kite call.
   * Throws as `get` does (see quoteFailure).
   */
  async lookup(
    inputs: readonly string[],
    user: string,
    need: TickMode = 'ltp',
    allowed: SymbolFilter = () => true,
  ): Promise<QuoteLookup> {
    await this.instruments.ready();
    const refused: string[] = [];
    const resolved = inputs.flatMap((input) => {
      const r = this.instruments.resolve(input);
      if (r.ok && !allowed(r.symbol)) {
        refused.push(input);
        return [];
      }
      return [{ input, r }];
    });
    const tokens = [...new Set(resolved.flatMap((x) => (x.r.ok ? [x.r.token] : [])))];
    const quotes = tokens.length > 0 ? await this.get(tokens, user, need) : new Map<number, Quote>();
    const data = new Map<string, Quote>();
    const missing: string[] = [];
    for (const { input, r } of resolved) {
      const q = r.ok ? quotes.get(r.token) : undefined;
      if (q) data.set(input, q);
      else missing.push(input);
    }
    return { data, missing, refused };
  }

  /** Quotes of `tokens` for `user`; throws QuoteQueueFullError (nothing queued) past the user's bound. */
  async get(tokens: number[], user: string, need: TickMode = 'ltp'): Promise<Map<number, Quote>> {
    const out = new Map<number, Quote>();
    const cached = await this.cache.getQuotes(tokens);
    const missing: number[] = [];
    for (const t of tokens) {
      const c = cached.get(t);
      if (c && covers(c.tick.mode, need)) out.set(t, toQuote(c));
      else missing.push(t);
    }
    // In a call already, or in this user's queue already: shared, not counted again.
    const adding = missing.filter((t) => !this.queue.has(user, t) && !this.inCall(t)).length;
    const queued = this.queue.queued(user);
    if (adding > 0 && queued + adding > this.maxQueued) {
      throw new QuoteQueueFullError(this.maxQueued, queued, this.drainSeconds(queued));
    }
    const fetched = await Promise.all(missing.map((t) => this.fetchOne(t, user, need)));
    missing.forEach((t, i) => fetched[i] && out.set(t, fetched[i]));
    return out;
  }

  /** Taken into a Kite call that has not answered yet. */
  private inCall(token: number): boolean {
    return this.waiting.has(token) && !this.queue.holds(token);
  }

  /** At the current share of each call (500 over the users waiting), how long `queued` takes. */
  private drainSeconds(queued: number): number {
    const share = Math.max(1, Math.floor(QUOTE_BATCH / Math.max(1, this.queue.users)));
    return Math.max(1, Math.ceil((Math.ceil(queued / share) * QUOTE_CALL_GAP_MS) / 1000));
  }

  private fetchOne(token: number, user: string, need: TickMode): Promise<Quote | undefined> {
    const inCall = this.inCall(token);
    let w = this.waiting.get(token);
    if (w && !covers(w.need, need)) w.need = need;
    if (!w) {
      let resolve!: Waiter['resolve'];
      let reject!: Waiter['reject'];
      const promise = new Promise<Quote | undefined>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      const waiter: Waiter = { need, promise, resolve, reject };
      void promise.then(
        () => this.settled(token, waiter),
        () => this.settled(token, waiter),
      );
      this.waiting.set(token, (w = waiter));
    }
    // Queued for this user too, so that it is fetched at this user's turn even if another queued it first.
    if (!inCall) this.queue.add(user, token);
    this.pump.kick();
    return w.promise;
  }

  private settled(token: number, waiter: Waiter): void {
    if (this.waiting.get(token) === waiter) this.waiting.delete(token);
  }

  private async slot(): Promise<void> {
    try {
      await this.gate.wait();
    } catch (err) {
      this.logger.warn(`quote rate gate failed (${errorText(err)}); pacing locally`);
      await new Promise((resolve) => setTimeout(resolve, QUOTE_CALL_GAP_MS));
    }
  }

  private async call(tokens: number[]): Promise<void> {
    // A quote that arrived (a tick, another node's call) while this batch waited needs no Kite call.
    const cached = await this.cache.getQuotes(tokens, false).catch(() => new Map<number, CachedQuote>());
    const ask: number[] = [];
    for (const t of tokens) {
      const c = cached.get(t);
      const w = this.waiting.get(t);
      if (c && w && covers(c.tick.mode, w.need)) w.resolve(toQuote(c));
      else ask.push(t);
    }
    if (ask.length === 0) return;
    try {
      const data = await this.kite.call('quote', (k) => k.getQuote(ask.map(String)));
      const now = this.clock.now();
      const ticks: Tick[] = [];
      for (const t of ask) {
        const raw = data[String(t)];
        const tick = raw ? quoteToTick(t, raw, this.instruments.symbolOf(t)) : undefined;
        if (tick) ticks.push(tick);
        this.waiting.get(t)?.resolve(tick && { ...tick, as_of: istIso(now) });
      }
      this.cache.putTicks(ticks, now);
    } catch (err) {
      for (const t of ask) this.waiting.get(t)?.reject(err);
    }
  }
}
