/**
 * Everything the candles take from the rest of the gateway, in one place: the tick stream, market
 * status changes, symbol resolution, whether an instrument streams upstream, Kite's historical API,
 * the Redis connection and the HTTP guard. When those modules move, only this file changes.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { KiteApiService } from '../auth/kite-api.service.js';
import { CACHE_KEY_PREFIX } from '../cache/cache.constants.js';
import { createRedisConnection } from '../cache/redis-connection.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { KiteRest } from '../kite/kite-rest.js';
import type { Tick } from '../kite/tick.js';
import { InstrumentsService } from '../market-feed/instruments.service.js';
import { MarketFeedService } from '../market-feed/market-feed.service.js';
import { MarketStatusService } from '../market-status/market-status.service.js';
import type { HistoricalCandle } from './backfill.js';

export { AuthModule } from '../auth/auth.module.js';
export { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';

/** What the builder reads of a tick. */
export type CandleTick = Pick<Tick, 'instrument_token' | 'last_price' | 'volume'>;

/** kiteconnect's historical call (KiteRest gains it too; this keeps the candles independent of when). */
interface HistoricalApi {
  getHistoricalData(token: number, interval: 'minute', from: string, to: string): Promise<HistoricalCandle[]>;
}

@Injectable()
export class CandleSources {
  constructor(
    private readonly feed: MarketFeedService,
    private readonly instruments: InstrumentsService,
    private readonly marketStatus: MarketStatusService,
    private readonly kite: KiteApiService,
    private readonly config: AppConfigService,
    @Inject(CACHE_KEY_PREFIX) readonly keyPrefix: string,
  ) {}

  /** Every tick batch as it is decoded. */
  onTicks(fn: (ticks: readonly CandleTick[]) => void): Subscription {
    return this.feed.ticks$.subscribe(fn);
  }

  /** Every market-status transition, at its instant. */
  onMarketStatusChange(fn: () => void): Subscription {
    return this.marketStatus.changes$.subscribe(() => fn());
  }

  /** `NSE:INFY` or a token to its instrument (after the instrument master loaded, or 5 s). */
  async resolve(input: string): Promise<{ token: number; symbol?: string } | undefined> {
    await this.instruments.ready();
    return this.instruments.resolve(input);
  }

  symbolOf(token: number): string | undefined {
    return this.instruments.symbolOf(token);
  }

  /** True while some client has the instrument subscribed upstream. */
  isStreamed(token: number): boolean {
    return this.feed.upstreamMode(token) !== undefined;
  }

  /** Kite's one-minute candles between two IST times (`YYYY-MM-DD HH:MM:SS`, both inclusive). */
  fetchMinutes = (token: number, from: string, to: string): Promise<HistoricalCandle[]> =>
    this.kite.call('historical', (k: KiteRest) =>
      (k as KiteRest & HistoricalApi).getHistoricalData(token, 'minute', from, to),
    );

  /** A Redis connection of the candles' own when REDIS_URL is set (connected by the caller). */
  createRedis(): Redis | undefined {
    const url = this.config.values.redisUrl;
    return url ? createRedisConnection(url) : undefined;
  }
}
