import { Global, Module } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { API_THROTTLER_STORAGE } from './api-limits.constants.js';

/**
 * One counter store for ApiThrottlerGuard, so that every viewer route (in its own module) draws
 * on the same per-user and per-address budget. In memory: each node counts its own requests.
 */
@Global()
@Module({
  providers: [{ provide: API_THROTTLER_STORAGE, useClass: ThrottlerStorageService }],
  exports: [API_THROTTLER_STORAGE],
})
export class ApiLimitsModule {}
