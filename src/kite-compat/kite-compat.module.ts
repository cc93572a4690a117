import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { KiteWsServer } from './kite-ws.server.js';
import { UpgradeAdmission } from './upgrade-admission.js';

/**
 * Kite's own protocols on the gateway's port: the ticker at `/kite/ws`, with Kite's order updates for the clients allowed to see them. It shares the gateway's
 * client services (subscriptions, per-user and per-address limits), never its Socket.IO server.
 */
@Module({
  imports: [AuthModule, ClusterModule, GatewayModule, OrdersModule],
  providers: [KiteWsServer, UpgradeAdmission],
  exports: [KiteWsServer],
})
export class KiteCompatModule {}
