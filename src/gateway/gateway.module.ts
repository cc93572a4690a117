import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { MarketGateway } from './market.gateway.js';

@Module({ imports: [AuthModule, CacheModule], providers: [MarketGateway] })
export class GatewayModule {}
