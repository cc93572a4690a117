import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { ClusterHealthIndicator } from './cluster.health.js';
import { ClusterEventsBridge } from './cluster-events.bridge.js';
import { ClusterQuoteGate } from './cluster-quote-gate.js';
import { ClusterHistoricalGate } from './cluster-historical-gate.js';
import { ClusterUsageView } from './cluster-usage.view.js';
import { ClusterMembership } from './membership.js';
import { UpstreamOwnership } from './upstream-ownership.js';

/**
 * A cluster of gateway nodes on Redis: who holds the upstream (the lease), the frames and notices
 * between nodes, and who is alive with what demand. Without REDIS_URL a node is standalone and
 * none of it talks to anything.
 */
@Module({
  imports: [AuthModule, TerminusModule],
  providers: [
    UpstreamOwnership,
    ClusterMembership,
    ClusterEventsBridge,
    ClusterHealthIndicator,
    ClusterQuoteGate,
    ClusterHistoricalGate,
    ClusterUsageView,
  ],
  exports: [
    UpstreamOwnership,
    ClusterMembership,
    ClusterHealthIndicator,
    ClusterQuoteGate,
    ClusterHistoricalGate,
    ClusterUsageView,
  ],
})
export class ClusterModule {}
