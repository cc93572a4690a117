/**
 * Everything the candles take from the rest of the gateway, in one place: the tick stream, market
 * status changes, symbol resolution, whether an instrument streams upstream, Kite's historical API
 * and the HTTP guard (the store is injected: CANDLE_BACKEND).
 */
import { Injectable } from '@nestjs/common';
import { KiteApiService } from '../auth/kite-api.service.js';
import { ClusterHistoricalGate } from '../cluster/cluster-historical-gate.js';
import { UpstreamOwnership } from '../cluster/upstream-ownership.js';
import { RelayEvents } from '../events/relay-events.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import type { Tick } from '../kite/tick.js';
import { MarketFeedService } from '../market-feed/market-feed.service.js';
import type { HistoricalCandle } from './backfill.js';

export { AuthModule } from '../auth/auth.module.js';
export { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';

/** What the builder reads of a tick. */
export type CandleTick = Pick<Tick, 'instrument_token' | 'last_price' | 'volume'>;

/** A subscription to a stream of the gateway's: call `unsubscribe` to stop. */
export interface Unsubscribable {
  unsubscribe(): void;
}

@Injectable()
export class CandleSources {
  constructor(
    private readonly feed: MarketFeedService,
    private readonly instruments: InstrumentsService,
    private readonly events: RelayEvents,
    private readonly kite: KiteApiService,
    private readonly ownership: UpstreamOwnership,
    private readonly historicalGate: ClusterHistoricalGate,
  ) {}

  /** Whether this node writes candles to the store: the upstream's holder, or a node on its own. */
  storesCandles(): boolean {
    return this.ownership.mayHoldUpstream;
  }

  /** Every tick batch as it is decoded. */
  onTicks(fn: (ticks: readonly CandleTick[]) => void): Unsubscribable {
    return { unsubscribe: this.events.on('feed.ticks', fn) };
  }

  /** Every market-status transition, at its instant. */
  onMarketStatusChange(fn: () => void): Unsubscribable {
    return { unsubscribe: this.events.on('market.status', () => fn()) };
  }

  /** `NSE:INFY` or a token to its instrument (after the instrument master loaded, or 5 s). */
  async resolve(input: string): Promise<{ token: number; symbol?: string } | undefined> {
    await this.instruments.ready();
    const r = this.instruments.resolve(input);
    return r.ok ? { token: r.token, symbol: r.symbol } : undefined;
  }

  symbolOf(token: number): string | undefined {
    return this.instruments.symbolOf(token);
  }

  /** True while some client has the instrument subscribed upstream. */
  isStreamed(token: number): boolean {
    return this.feed.isStreamed(token);
  }

  /**
   * Kite's one-minute candles between two IST times (`YYYY-MM-DD HH:MM:SS`, both inclusive), in the
   * cluster's historical slot (3 a second) that /kite/instruments/historical takes too.
   */
  fetchMinutes = async (token: number, from: string, to: string): Promise<HistoricalCandle[]> => {
    await this.historicalGate.wait();
    return this.kite.call('historical', (k) => k.getHistoricalData(token, 'minute', from, to));
  };
}
