import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module.js';
import { OrderUpdatesService } from './order-updates.service.js';

/** The account's order updates: from the upstream (holder) or the cluster bus, once per node. */
@Module({
  imports: [ClusterModule],
  providers: [OrderUpdatesService],
  exports: [OrderUpdatesService],
})
export class OrdersModule {}
