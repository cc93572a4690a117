import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfigService } from '../config/app-config.service.js';
import { AdminController } from './admin.controller.js';
import { AuthCookies } from './auth-cookies.js';
import { AuthController } from './auth.controller.js';
import { AuthHealthIndicator } from './auth.health.js';
import { JsonBodyGuard } from './json-body.guard.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { KiteApiService } from './kite-api.service.js';
import { KiteCalls } from './kite-calls.js';
import { KiteSessionService } from './kite-session.service.js';
import { MeController } from './me.controller.js';
import { SessionMetrics } from './session-metrics.js';
import { SessionPersistence } from './session-persistence.js';
import { RevocationFile } from './revocation-file.js';
import { SessionFile } from './session-file.js';
import { TokenRegistry } from './token-registry.js';
import { jwtOptions, TokenService } from './token.service.js';

/** The Kite session (login flow, manual token, expiry, logout), client JWTs and their registry, and Kite REST calls. */
@Module({
  imports: [
    TerminusModule,
    JwtModule.registerAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => jwtOptions(config.values.jwtSecret),
    }),
    // Login and admin endpoints: 30 requests a minute per address.
    ThrottlerModule.forRoot([{ ttl: 60_000, limit: 30 }]),
  ],
  controllers: [AuthController, AdminController, MeController],
  providers: [
    KiteSessionService,
    SessionPersistence,
    SessionMetrics,
    KiteCalls,
    TokenService,
    TokenRegistry,
    RevocationFile,
    SessionFile,
    AuthCookies,
    JwtAuthGuard,
    JsonBodyGuard,
    KiteApiService,
    AuthHealthIndicator,
  ],
  exports: [
    KiteSessionService,
    TokenService,
    TokenRegistry,
    AuthCookies,
    JwtAuthGuard,
    KiteApiService,
    AuthHealthIndicator,
  ],
})
export class AuthModule {}
