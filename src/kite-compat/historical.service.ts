import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { KiteApiService } from '../auth/kite-api.service.js';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { istIso } from '../clock/ist.js';
import { ClusterHistoricalGate, HISTORICAL_CALL_GAP_MS } from '../cluster/cluster-historical-gate.js';
import { errorText } from '../common/error-text.js';
import type { HistoricalCandle } from '../kite/kite-rest.js';
import { HistoricalStore } from '../redis/historical.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { allCompleted, historicalKey, type HistoricalRequest } from './historical-params.js';
import { PacedPump } from '../quotes/paced-pump.js';
import { TurnQueue } from './turn-queue.js';

/** A candle as Kite's historical API answers it: `[date, open, high, low, close, volume(, oi)]`. */
export type KiteCandle = (string | number)[];

/** Requests one user may have waiting for the historical slot; past it, 429. */
export const MAX_QUEUED_HISTORICAL_PER_USER = 10;
/** How long a request may wait for the historical slot before it is answered 429. */
export const MAX_HISTORICAL_WAIT_MS = 5_000;
/** How long completed candles are kept (Kite may correct a day's data overnight). */
export const HISTORICAL_CACHE_TTL_MS = 12 * 3_600_000;
/** Answers larger than this are not cached (60 days of minutes are about 1.5 MB). */
const MAX_CACHED_BYTES = 4 << 20;
/** Without Redis, the last answers kept in this process. */
const MEMORY_ENTRIES = 256;

export class HistoricalQueueFullError extends Error {
  constructor(readonly retryAfterS: number) {
    super(`at most ${MAX_QUEUED_HISTORICAL_PER_USER} historical requests may wait for Kite per user`);
  }
}

/** A request waited this long for the historical slot: it is given up with a 429 and Retry-After. */
export class HistoricalWaitError extends Error {
  constructor(readonly retryAfterS: number) {
    super(
      `the request waited ${MAX_HISTORICAL_WAIT_MS / 1000} s for Kite's historical-data pace without its turn`,
    );
  }
}

interface Job {
  req: HistoricalRequest;
  key: string;
  resolve: (candles: KiteCandle[]) => void;
  reject: (err: unknown) => void;
  /** Rejects the job with HistoricalWaitError once it has waited MAX_HISTORICAL_WAIT_MS. */
  timer: ClockTimer;
}

/** Kite's date text of a candle: `2026-12-01T09:15:00+0530`. */
const kiteDate = (d: Date) => `${istIso(d.getTime()).slice(0, 19)}+0530`;

/**
 * Kite's historical candles for every client of the relay: completed answers from the cache (Redis,
 * or this process without it), else one Kite call per distinct question, each taking the cluster's
 * historical slot (3 a second), requests waiting per user and served round-robin.
 */
@Injectable()
export class HistoricalService implements OnApplicationShutdown {
  private readonly logger = new Logger(HistoricalService.name);
  private readonly queue = new TurnQueue<Job>();
  private readonly inFlight = new Map<string, Promise<KiteCandle[]>>();
  private readonly memory = new Map<string, { at: number; value: string }>();
  /** One call per slot while anything waits; a call does not wait for the previous answer. */
  private readonly pump = new PacedPump({
    pending: () => this.queue.size > 0,
    slot: () => this.gate.wait(),
    dispatch: () => {
      const job = this.queue.take();
      if (!job) return;
      job.timer.cancel();
      void this.call(job);
    },
  });

  constructor(
    private readonly kite: KiteApiService,
    private readonly gate: ClusterHistoricalGate,
    private readonly store: HistoricalStore,
    private readonly redis: RedisClients,
    private readonly clock: Clock,
  ) {}

  onApplicationShutdown(): void {
    this.pump.close();
    for (const job of this.queue.drain()) {
      job.timer.cancel();
      job.reject(new Error('shutting down'));
    }
  }

  /** The candles of `req` for `user`; throws HistoricalQueueFullError, or Kite's error. */
  async get(req: HistoricalRequest, user: string): Promise<KiteCandle[]> {
    const key = historicalKey(req);
    const completed = allCompleted(req, this.clock.now());
    if (completed) {
      const cached = await this.readCache(key);
      if (cached) return cached;
    }
    const shared = this.inFlight.get(key);
    if (shared) return shared;
    const queued = this.queue.queued(user);
    if (queued >= MAX_QUEUED_HISTORICAL_PER_USER) {
      throw new HistoricalQueueFullError(this.drainSeconds(queued * Math.max(1, this.queue.users)));
    }
    const p = new Promise<KiteCandle[]>((resolve, reject) => {
      const job: Job = { req, key, resolve, reject, timer: { cancel: () => undefined } };
      // A bot is never held for minutes behind a busy cluster: past the bound, 429 and Retry-After.
      job.timer = this.clock.after(MAX_HISTORICAL_WAIT_MS, () => {
        if (this.queue.remove(user, job)) {
          job.reject(new HistoricalWaitError(this.drainSeconds(this.queue.size)));
        }
      });
      this.queue.add(user, job);
    });
    this.inFlight.set(key, p);
    const forget = () => this.inFlight.get(key) === p && this.inFlight.delete(key);
    p.then(forget, forget);
    this.pump.kick();
    return p;
  }

  /** Seconds for `requests` to go at the cluster's historical pace. */
  private drainSeconds(requests: number): number {
    return Math.max(1, Math.ceil((requests * HISTORICAL_CALL_GAP_MS) / 1000));
  }

  private async call({ req, key, resolve, reject }: Job): Promise<void> {
    try {
      const raw = await this.kite.call('historical', (k) =>
        k.getHistoricalData(req.token, req.interval, req.from, req.to, req.continuous, req.oi),
      );
      const candles = raw.map((c: HistoricalCandle) => {
        const row: KiteCandle = [kiteDate(c.date), c.open, c.high, c.low, c.close, c.volume];
        // The client drops a zero oi: Kite sent one, so it goes back as 0.
        if (req.oi) row.push(c.oi ?? 0);
        return row;
      });
      resolve(candles);
      if (allCompleted(req, this.clock.now())) await this.writeCache(key, candles);
    } catch (err) {
      reject(err);
    }
  }

  private async readCache(key: string): Promise<KiteCandle[] | undefined> {
    let text: string | undefined;
    if (!this.redis.configured) {
      const hit = this.memory.get(key);
      if (hit && this.clock.now() - hit.at <= HISTORICAL_CACHE_TTL_MS) text = hit.value;
    } else if (this.redis.up) {
      text = await this.store.read(key).catch((err: unknown) => {
        this.redis.reportFailure(`historical cache: ${errorText(err)}`);
        return undefined;
      });
    }
    return text === undefined ? undefined : (JSON.parse(text) as KiteCandle[]);
  }

  private async writeCache(key: string, candles: KiteCandle[]): Promise<void> {
    const text = JSON.stringify(candles);
    if (text.length > MAX_CACHED_BYTES) return;
    if (!this.redis.configured) {
      this.memory.delete(key);
      this.memory.set(key, { at: this.clock.now(), value: text });
      if (this.memory.size > MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value!);
      return;
    }
    // Redis away: the answer is not kept, and the next request for it asks Kite again.
    if (!this.redis.up) return;
    await this.store.write(key, text, HISTORICAL_CACHE_TTL_MS).catch((err: unknown) => {
      this.logger.warn(`historical candles not cached: ${errorText(err)}`);
    });
  }
}
