import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { MarketCalendar } from './calendar.js';
import { MARKET_CALENDAR } from './market-status.constants.js';
import { computeMarketStatus, type MarketStatus } from './market-status.js';

/**
 * Market status from the injected clock, computed on every request (never cached), with a timer
 * armed at the exact next transition and a heartbeat source.
 */
@Injectable()
export class MarketStatusService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MarketStatusService.name);
  private readonly changes = new Subject<MarketStatus>();
  private readonly beats = new Subject<MarketStatus>();
  private transitionTimer?: ClockTimer;
  private heartbeatTimer?: ClockTimer;
  private lastStatus?: string;
  private warnedBeyond = false;

  /** Emits the new status at each transition instant. */
  readonly changes$: Observable<MarketStatus> = this.changes.asObservable();
  /** Emits the current status every HEARTBEAT_INTERVAL_MS. */
  readonly heartbeat$: Observable<MarketStatus> = this.beats.asObservable();

  constructor(
    private readonly clock: Clock,
    @Inject(MARKET_CALENDAR) private readonly calendar: MarketCalendar,
    private readonly config: AppConfigService,
  ) {}

  onModuleInit(): void {
    this.lastStatus = this.current().status;
    this.arm();
    this.heartbeatTimer = this.clock.every(this.config.values.heartbeatIntervalMs, () => {
      const s = this.check();
      this.beats.next(s);
    });
  }

  onApplicationShutdown(): void {
    this.transitionTimer?.cancel();
    this.heartbeatTimer?.cancel();
    this.changes.complete();
    this.beats.complete();
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
    if (s.status !== this.lastStatus) {
      this.lastStatus = s.status;
      this.changes.next(s);
      // A clock jump can make the armed timer wrong; the change re-arms it.
      this.arm();
    }
    return s;
  }
}
