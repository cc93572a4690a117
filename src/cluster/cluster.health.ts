import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfigService } from '../config/app-config.service.js';
import { UpstreamOwnership } from './upstream-ownership.js';

/** `cluster: {node_id, role, holder, fencing}`; never down (a follower is as healthy as the holder). */
@Injectable()
export class ClusterHealthIndicator {
  constructor(
    private readonly ownership: UpstreamOwnership,
    private readonly indicator: HealthIndicatorService,
    private readonly config: AppConfigService,
  ) {}

  check() {
    const s = this.ownership.state;
    return this.indicator.check('cluster').up({
      node_id: this.config.values.nodeId,
      role: s.role,
      holder: s.holder,
      fencing: s.fencing,
      redis: s.redisUp ? 'up' : 'down',
    });
  }
}
