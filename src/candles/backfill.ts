import { bucketStart, istIsoSeconds, MINUTE_MS, type Candle } from './candle.js';
import type { TradingSession } from './session.js';

/** A candle as the official kiteconnect client returns it from the historical API. */
export interface HistoricalCandle {
  date: Date | string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

/** Kite's historical candle API for one instrument; `from` and `to` are `YYYY-MM-DD HH:MM:SS` IST. */
export type FetchMinutes = (token: number, from: string, to: string) => Promise<HistoricalCandle[]>;

/** A failure other than a refusal is tried again no sooner than this. */
export const BACKFILL_RETRY_MS = 60_000;

export type BackfillResult = 'filled' | 'refused' | 'failed' | 'not needed';

/** Receives the fetched candles (start ≥ `from`) of one instrument and session, once. */
export type ApplyBackfill = (token: number, day: string, candles: Candle[], from: number) => void;

const kiteTime = (ms: number) => istIsoSeconds(ms).slice(0, 19).replace('T', ' ');

/** Kite answers `PermissionException` when the app has no historical-data subscription. */
export function isPermissionRefusal(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { error_type?: unknown }).error_type === 'PermissionException'
  );
}

/** Kite's candle objects to ours; malformed ones are dropped. */
export function toCandles(rows: readonly HistoricalCandle[]): Candle[] {
  const out: Candle[] = [];
  for (const r of rows) {
    const t = r.date instanceof Date ? r.date.getTime() : Date.parse(String(r.date));
    const c: Candle = { t, o: r.open, h: r.high, l: r.low, c: r.close, v: r.volume ?? 0 };
    if ([c.t, c.o, c.h, c.l, c.c, c.v].every((x) => typeof x === 'number' && Number.isFinite(x))) out.push(c);
  }
  return out.sort((a, b) => a.t - b.t);
}

/**
 * Decides when to fetch the part of a session the builder did not see, and fetches it once per
 * instrument and session. A refusal (no historical-data access) stops every fetch for the session;
 * another failure is retried no sooner than BACKFILL_RETRY_MS later. Fetches run one at a time.
 */
export class Backfiller {
  private refusedDay?: string;
  private readonly done = new Map<number, string>();
  private readonly retryAt = new Map<number, number>();
  private readonly pending = new Map<number, Promise<BackfillResult>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fetchMinutes: FetchMinutes,
    private readonly apply: ApplyBackfill,
    private readonly onFailure: (token: number, err: unknown, refused: boolean) => void = () => undefined,
  ) {}

  /** True when the session's access was refused (for logs and health). */
  refused(day: string): boolean {
    return this.refusedDay === day;
  }

  /**
   * Fetches the minutes from the session's open up to `completeFrom` (exclusive) when they are
   * missing and not already fetched, refused or recently failed. Concurrent calls share one fetch.
   */
  ensure(token: number, session: TradingSession, completeFrom: number, now: number): Promise<BackfillResult> {
    const until = Math.min(completeFrom, session.close, bucketStart(now, MINUTE_MS));
    if (until <= session.open || this.done.get(token) === session.date) return Promise.resolve('not needed');
    if (this.refusedDay === session.date) return Promise.resolve('refused');
    if ((this.retryAt.get(token) ?? 0) > now) return Promise.resolve('failed');
    let p = this.pending.get(token);
    if (!p) {
      p = this.run(token, session, until, now).finally(() => this.pending.delete(token));
      this.pending.set(token, p);
    }
    return p;
  }

  /** Forgets what was fetched or failed: a new session begins. */
  reset(): void {
    this.done.clear();
    this.retryAt.clear();
  }

  private async run(
    token: number,
    session: TradingSession,
    until: number,
    now: number,
  ): Promise<BackfillResult> {
    const call = this.queue.then(() =>
      this.fetchMinutes(token, kiteTime(session.open), kiteTime(until - 1000)),
    );
    // The queue only orders the calls; each call's failure reaches its own caller through `call`.
    this.queue = call.catch(() => undefined);
    try {
      const rows = await call;
      this.done.set(token, session.date);
      this.retryAt.delete(token);
      const candles = toCandles(rows).filter((c) => c.t >= session.open && c.t < until);
      this.apply(token, session.date, candles, session.open);
      return 'filled';
    } catch (err) {
      if (isPermissionRefusal(err)) {
        this.refusedDay = session.date;
        this.onFailure(token, err, true);
        return 'refused';
      }
      this.retryAt.set(token, now + BACKFILL_RETRY_MS);
      this.onFailure(token, err, false);
      return 'failed';
    }
  }
}
