import { Module } from '@nestjs/common';
import { LeaseRepository } from '../redis/lease.repository.js';
import { UpstreamOwnership } from './upstream-ownership.js';

/** Membership of a cluster of gateway nodes on Redis: who holds the upstream. */
@Module({
  providers: [LeaseRepository, UpstreamOwnership],
  exports: [UpstreamOwnership],
})
export class ClusterModule {}
