import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Clock } from '../clock/clock.js';
import { istIso } from '../clock/ist.js';
import { MarketFeedService } from './market-feed.service.js';

/** Reports the feed; never down (readiness is not gated on Kite, SPEC section 3). */
@Injectable()
export class MarketFeedHealthIndicator {
  constructor(
    private readonly feed: MarketFeedService,
    private readonly indicator: HealthIndicatorService,
    private readonly clock: Clock,
  ) {}

  check() {
    const last = this.feed.lastTickAt;
    return this.indicator.check('feed').up({
      state: this.feed.state.state,
      reason: this.feed.state.reason,
      upstream_connections: this.feed.openConnections,
      upstream_instruments: this.feed.upstreamInstruments,
      last_tick_at: last ? istIso(last) : null,
      // Both readings from the injected clock: right with CLOCK_START too.
      last_tick_age_ms: last ? this.clock.now() - last : null,
    });
  }
}
