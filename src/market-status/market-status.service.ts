import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { MarketCalendar } from './calendar.js';
import { MARKET_CALENDAR } from './market-status.constants.js';
import { computeMarketStatus, type MarketStatus } from './market-status.js';

/**
 * Market status from the injected clock, computed on every request (never cached), with a timer
 * armed at the exact next transition (market.status) and a heartbeat (market.heartbeat).
 */
@Injectable()
export class MarketStatusService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MarketStatusService.name);
  private transitionTimer?: ClockTimer;
  private heartbeatTimer?: ClockTimer;
  private lastStatus?: string;
  private warnedBeyond = false;

  constructor(
    private readonly clock: Clock,
    @Inject(MARKET_CALENDAR) private readonly calendar: MarketCalendar,
    private readonly config: AppConfigService,
    private readonly events: RelayEvents,
    metrics: MetricsService,
  ) {
    this.m = {
      status: metrics.gauge('market_status', 'The market status (1 for the current one)', ['status']),
      nextOpen: metrics.gauge(
        'market_next_open_timestamp_seconds',
        'Start of the next session on a trading day (of the current one while PRE_OPEN or LIVE)',
      ),
    };
  }
  private readonly m;

  onModuleInit(): void {
    this.lastStatus = this.current().status;
    this.updateMetrics();
    this.arm();
    this.heartbeatTimer = this.clock.every(this.config.values.heartbeatIntervalMs, () => {
      this.events.emit('market.heartbeat', this.check());
    });
  }

  onApplicationShutdown(): void {
    this.transitionTimer?.cancel();
    this.heartbeatTimer?.cancel();
  }

  /** The status now. */
  current(): MarketStatus {
    const { beyondCalendar, ...status } = computeMarketStatus(this.clock.now(), this.calendar);
    if (beyondCalendar && !this.warnedBeyond) {
      this.warnedBeyond = true;
      this.logger.warn(
        `market calendar covers ${this.calendar.years.join(', ')} only: treating weekdays as trading days; install next year's calendar (MARKET_CALENDAR_FILE)`,
      );
    }
    return status;
  }

  /** When the next trading session opens (PRE_OPEN, or LIVE on a day without one); the current one's start while open. */
  nextOpenAt(): number {
    let s = this.current();
    if (s.status === 'PRE_OPEN' || s.status === 'LIVE') return Date.parse(s.since);
    for (let i = 0; i < 4 && s.next_status !== 'PRE_OPEN' && s.next_status !== 'LIVE'; i++) {
      s = computeMarketStatus(Date.parse(s.next_change_at), this.calendar);
    }
    return Date.parse(s.next_change_at);
  }

  private updateMetrics(): void {
    const status = this.current().status;
    for (const v of ['PRE_OPEN', 'LIVE', 'POST_CLOSE', 'CLOSED'] as const) {
      this.m.status.set({ status: v }, v === status ? 1 : 0);
    }
    this.m.nextOpen.set(Math.floor(this.nextOpenAt() / 1000));
  }

  private arm(): void {
    this.transitionTimer?.cancel();
    const next = Date.parse(this.current().next_change_at);
    this.transitionTimer = this.clock.at(next, () => {
      this.check();
      this.arm();
    });
  }

  /** Publishes a change if the status differs from the last one published. */
  private check(): MarketStatus {
    const s = this.current();
    this.updateMetrics();
    if (s.status !== this.lastStatus) {
      this.lastStatus = s.status;
      this.events.emit('market.status', s);
      // A clock jump can make the armed timer wrong; the change re-arms it.
      this.arm();
    }
    return s;
  }
}
