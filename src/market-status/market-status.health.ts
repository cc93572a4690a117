import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { MarketStatusService } from './market-status.service.js';

@Injectable()
export class MarketStatusHealthIndicator {
  constructor(
    private readonly status: MarketStatusService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check() {
    const s = this.status.current();
    return this.indicator.check('market').up({ market_status: s.status, next_change_at: s.next_change_at });
  }
}
