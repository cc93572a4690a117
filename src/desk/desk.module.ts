import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { InviteRedeemController } from './invite-redeem.controller.js';
import { InviteService } from './invite.service.js';
import { InvitesController } from './invites.controller.js';
import { LimitsController } from './limits.controller.js';

/** Sharing the dashboard with a desk: viewer invites and what the admin panel reads (limits). */
@Module({
  imports: [AuthModule, CacheModule],
  controllers: [InvitesController, InviteRedeemController, LimitsController],
  providers: [InviteService],
})
export class DeskModule {}
