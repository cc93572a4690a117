import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { errorText } from '../common/error-text.js';
import type { CandleBackend } from '../contracts/candle-store.contract.js';
import type { MarketCalendar } from '../market-status/calendar.js';
import { MARKET_CALENDAR } from '../market-status/market-status.constants.js';
import { aggregate } from './aggregate.js';
import { Backfiller } from './backfill.js';
import { CandleBuilder } from './candle-builder.js';
import { bucketStart, INTERVALS, MINUTE_MS, type Candle, type Interval } from './candle.js';
import { CandleSources, type Unsubscribable } from './candle-sources.js';
import {
  BACKFILL_WAIT_MS,
  CANDLE_BACKEND,
  CANDLE_FLUSH_MS,
  STORE_LOAD_TIMEOUT_MS,
} from './candles.constants.js';
import { sessionAt, type TradingSession } from './session.js';

/** The candles of one instrument in one interval, and from when they are complete. */
export interface CandleView {
  candles: Candle[];
  completeFrom?: number;
}

const describe = (err: unknown): string => {
  const e = err as { error_type?: unknown; message?: unknown } | undefined;
  return (
    [e?.error_type, e?.message]
      .filter((x) => typeof x === 'string')
      .join(': ')
      .slice(0, 200) || 'unknown'
  );
};

const timeout = (ms: number) =>
  new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/**
 * Keeps the current session's one-minute candles of every streamed instrument: built from the
 * tick stream, written to the store once a second, restored from it at boot, dropped when the
 * next session begins, backfilled from Kite when asked for and incomplete.
 */
@Injectable()
export class CandlesService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CandlesService.name);
  private readonly builder = new CandleBuilder();
  private readonly backfiller: Backfiller;
  private session?: TradingSession;
  private readonly subs: Unsubscribable[] = [];
  private flushTimer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private warnedStore = false;

  constructor(
    private readonly sources: CandleSources,
    private readonly clock: Clock,
    @Inject(MARKET_CALENDAR) private readonly calendar: MarketCalendar,
    @Inject(CANDLE_BACKEND) private readonly store: CandleBackend,
  ) {
    this.backfiller = new Backfiller(
      sources.fetchMinutes,
      (token, day, candles, from) => {
        if (day === this.session?.date) this.builder.backfill(token, candles, from);
      },
      (token, err, refused) =>
        refused
          ? this.logger.warn('Kite refused historical candles (no access): serving built candles for today')
          : this.logger.warn(
              `historical candles for ${token} failed (${describe(err)}); not retried for a minute`,
            ),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.session = sessionAt(this.clock.now(), this.calendar);
    // From Redis after a restart; the memory store (no REDIS_URL) starts empty.
    await this.restore();
    this.subs.push(
      this.sources.onTicks((ticks) => {
        const now = this.clock.now();
        for (const t of ticks) this.builder.onTick(t.instrument_token, t.last_price, t.volume, now);
      }),
      this.sources.onMarketStatusChange(() => this.checkSession()),
    );
    this.flushTimer = setInterval(() => void this.flush(), CANDLE_FLUSH_MS);
    this.flushTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
    clearInterval(this.flushTimer);
    await this.flush();
  }

  private async restore(): Promise<void> {
    if (!this.session) return;
    try {
      const stored = await Promise.race([this.store.load(this.session.date), timeout(STORE_LOAD_TIMEOUT_MS)]);
      if (stored === 'timeout') throw new Error('timed out');
      for (const s of stored) this.builder.restore(s);
      if (stored.length) this.logger.log(`candles: restored ${stored.length} instruments from Redis`);
    } catch (err) {
      this.logger.warn(`candles: could not read Redis (${errorText(err)}); building from now on`);
    }
  }

  /** A new session began (PRE_OPEN start, or a day's first window): yesterday's candles go. */
  private checkSession(): void {
    const s = sessionAt(this.clock.now(), this.calendar);
    if (s?.date === this.session?.date) return;
    this.session = s;
    this.builder.takeChanges();
    this.builder.reset();
    this.backfiller.reset();
  }

  /** Writes what changed; an instrument no longer streamed is detached (its gap is unknown). */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    for (const token of this.builder.tokens()) {
      if (!this.sources.isStreamed(token)) this.builder.detach(token);
    }
    const changes = this.builder.takeChanges();
    const day = this.session?.date;
    // In a cluster every node builds the same candles from the same frames; the holder stores them.
    if (changes.length === 0 || !day || !this.sources.storesCandles()) return Promise.resolve();
    this.flushing = this.store
      .save(day, changes)
      .then(() => (this.warnedStore = false))
      .catch((err: unknown) => {
        if (!this.warnedStore) this.logger.warn(`candles: store write failed: ${errorText(err)}`);
        this.warnedStore = true;
      })
      .then(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * The candles of `token` in `interval`. An instrument with no candles that nobody streams answers
   * none; otherwise the part of the session not seen is fetched from Kite first (once, waited for
   * at most BACKFILL_WAIT_MS).
   */
  async view(token: number, interval: Interval): Promise<CandleView> {
    const session = this.session;
    if (session && (this.builder.has(token) || this.sources.isStreamed(token))) {
      const now = this.clock.now();
      const completeFrom = this.builder.completeFrom(token) ?? bucketStart(now, MINUTE_MS);
      await Promise.race([
        this.backfiller.ensure(token, session, completeFrom, now),
        timeout(BACKFILL_WAIT_MS),
      ]);
    }
    const size = INTERVALS[interval];
    const from = this.builder.completeFrom(token);
    const start = from === undefined ? undefined : bucketStart(from, size);
    return {
      candles: aggregate(this.builder.candles(token), size),
      completeFrom: start === undefined || start === from ? from : start + size,
    };
  }

  /** Whether Kite refused historical candles for the current session. */
  get backfillRefused(): boolean {
    return !!this.session && this.backfiller.refused(this.session.date);
  }

  /** Bytes of candle arrays held (all instruments). */
  get bytes(): number {
    return this.builder.bytes();
  }
}
