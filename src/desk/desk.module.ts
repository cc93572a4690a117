import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import type { InviteBackend } from '../contracts/invite-store.contract.js';
import { InviteStore } from '../redis/invite.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { INVITE_BACKEND } from './desk.constants.js';
import { InviteRedeemController } from './invite-redeem.controller.js';
import { InviteService } from './invite.service.js';
import { InvitesController } from './invites.controller.js';
import { LimitsController } from './limits.controller.js';
import { MemoryInvites } from './memory-invites.js';

/** Sharing the dashboard with a desk: viewer invites and what the admin panel reads (limits). */
@Module({
  imports: [AuthModule, CacheModule],
  controllers: [InvitesController, InviteRedeemController, LimitsController],
  providers: [
    {
      // In Redis when it is configured (one use in the whole cluster), else in this node's memory.
      provide: INVITE_BACKEND,
      inject: [RedisClients, InviteStore],
      useFactory: (redis: RedisClients, store: InviteStore): InviteBackend =>
        redis.configured ? store : new MemoryInvites(),
    },
    InviteService,
  ],
})
export class DeskModule {}
