import { Controller, Get, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { IncomingMessage } from 'node:http';
import { AuthHealthIndicator } from '../auth/auth.health.js';
import { TokenService } from '../auth/token.service.js';
import { ApiPublic } from '../http/api-docs/api-responses.js';
import { CacheHealthIndicator } from '../cache/cache.health.js';
import { ClusterHealthIndicator } from '../cluster/cluster.health.js';
import { MarketFeedHealthIndicator } from '../market-feed/market-feed.health.js';
import { MarketStatusHealthIndicator } from '../market-status/market-status.health.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { TapeHealthIndicator } from '../tape/tape.health.js';
import { ReadinessService } from './readiness.service.js';

@ApiTags('health')
@ApiPublic()
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
    private readonly tape: TapeHealthIndicator,
    private readonly metrics: MetricsService,
    private readonly tokens: TokenService,
  ) {}

  /** Who is logged in to Kite is shown to holders of a valid admin token only (never to a viewer). */
  private authCheck(req: IncomingMessage) {
    return this.auth.check(this.tokens.principalOf(req)?.role === 'admin');
  }

  /** Liveness: 200 while the event loop answers. */
  @ApiOperation({ summary: 'Liveness: 200 while the event loop answers' })
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([
      () => this.indicator.check('process').up({ uptime_s: Math.round(process.uptime()) }),
    ]);
  }

  /** Readiness: bootstrap finished, not draining, cache store usable. Kite login is reported, not gating. */
  @ApiOperation({
    summary: 'Readiness: bootstrap finished, not draining, cache store usable',
    description: 'The Kite login is reported in `details`, never gating.',
  })
  @Get('ready')
  @HealthCheck()
  async ready(@Req() req: IncomingMessage) {
    const state = this.readiness.state;
    if (state !== 'ready') {
      throw new ServiceUnavailableException({ status: 'error', error: { app: { status: 'down', state } } });
    }
    return this.health.check([
      () => this.indicator.check('app').up({ state }),
      () => this.cache.check(),
      () => this.authCheck(req),
    ]);
  }

  /** The full component report. */
  @ApiOperation({
    summary: 'The full component report',
    description:
      'Auth, feed, upstream connections, last tick age, clients, cache mode, market status, cluster.',
  })
  @Get()
  @HealthCheck()
  async full(@Req() req: IncomingMessage) {
    const clients =
      (await this.metrics.registry.getSingleMetric('kite_relay_clients_connected')?.get())?.values[0]
        ?.value ?? 0;
    return this.health.check([
      () => this.indicator.check('app').up({ state: this.readiness.state, clients }),
      () => this.authCheck(req),
      () => this.feed.check(),
      () => this.cache.check(),
      () => this.market.check(),
      () => this.cluster.check(),
      () => this.tape.check(),
    ]);
  }
}
