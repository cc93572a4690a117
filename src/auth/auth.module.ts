import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { CacheModule } from '../cache/cache.module.js';
import { AppConfigService } from '../config/app-config.service.js';
import { AdminController } from './admin.controller.js';
import { AuthController } from './auth.controller.js';
import { AuthHealthIndicator } from './auth.health.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { KiteApiService } from './kite-api.service.js';
import { jwtOptions, TokenService } from './token.service.js';

@Module({
  imports: [
    CacheModule,
    TerminusModule,
    JwtModule.registerAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => jwtOptions(config.values.jwtSecret),
    }),
    // Login and admin endpoints: 30 requests a minute per address.
    ThrottlerModule.forRoot([{ ttl: 60_000, limit: 30 }]),
  ],
  controllers: [AuthController, AdminController],
  providers: [AuthService, TokenService, JwtAuthGuard, KiteApiService, AuthHealthIndicator],
  exports: [AuthService, TokenService, JwtAuthGuard, KiteApiService, AuthHealthIndicator],
})
export class AuthModule {}
