import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { AuthHealthIndicator } from '../auth/auth.health.js';
import { CacheHealthIndicator } from '../cache/cache.health.js';
import { ClusterHealthIndicator } from '../cluster/cluster.health.js';
import { MarketFeedHealthIndicator } from '../market-feed/market-feed.health.js';
import { MarketStatusHealthIndicator } from '../market-status/market-status.health.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ReadinessService } from './readiness.service.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly readiness: ReadinessService,
    private readonly cache: CacheHealthIndicator,
    private readonly auth: AuthHealthIndicator,
    private readonly feed: MarketFeedHealthIndicator,
    private readonly market: MarketStatusHealthIndicator,
    private readonly cluster: ClusterHealthIndicator,
    private readonly metrics: MetricsService,
  ) {}

  /** Liveness: 200 while the event loop answers. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () => this.indicator.check('process').up({ uptime_s: Math.round(process.uptime()) }),
    ]);
  }

  /** Readiness: bootstrap finished, not draining, cache store usable. Kite login is reported, not gating. */
  @Get('ready')
  @HealthCheck()
  async ready() {
    const state = this.readiness.state;
    if (state !== 'ready') {
      throw new ServiceUnavailableException({ status: 'error', error: { app: { status: 'down', state } } });
    }
    return this.health.check([
      () => this.indicator.check('app').up({ state }),
      () => this.cache.check(),
      () => this.auth.check(),
    ]);
  }

  /** The full component report. */
  @Get()
  @HealthCheck()
  async full() {
    const clients =
      (await this.metrics.registry.getSingleMetric('kite_relay_clients_connected')?.get())?.values[0]
        ?.value ?? 0;
    return this.health.check([
      () => this.indicator.check('app').up({ state: this.readiness.state, clients }),
      () => this.auth.check(),
      () => this.feed.check(),
      () => this.cache.check(),
      () => this.market.check(),
      () => this.cluster.check(),
    ]);
  }
}
