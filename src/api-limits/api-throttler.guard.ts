import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerStorage } from '@nestjs/throttler';
import type { Response } from 'express';
import type { Principal } from '../auth/token.service.js';
import { tooManyRequests } from '../common/too-many-requests.js';
import { AppConfigService } from '../config/app-config.service.js';
import { API_THROTTLER_STORAGE } from './api-limits.constants.js';

const WINDOW_MS = 60_000;

/**
 * The viewer routes' rate limit: API_RATE_LIMIT_PER_MINUTE requests in any minute per user (JWT
 * `sub`) and per address (Express's req.ip), one budget over all of those routes. Past either:
 * 429 with `Retry-After` (seconds until the oldest counted request leaves the window).
 * Goes after JwtAuthGuard, which sets the principal.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  // Explicit @Inject: ThrottlerGuard's own parameter decorators (the global throttler options) are inherited.
  constructor(
    @Inject(AppConfigService) config: AppConfigService,
    @Inject(API_THROTTLER_STORAGE) storage: ThrottlerStorage,
    reflector: Reflector,
  ) {
    const limit = config.values.apiRateLimitPerMinute;
    super(
      {
        throttlers: [
          // A sliding window (no block period): a client that slows down gets in as soon as it is under.
          { name: 'user', ttl: WINDOW_MS, limit, blockDuration: 0, getTracker: (req) => userOf(req) },
          { name: 'address', ttl: WINDOW_MS, limit, blockDuration: 0 },
        ],
        generateKey: (_context, tracker, name) => `api:${name}:${tracker}`,
        setHeaders: false,
      },
      storage,
      reflector,
    );
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const who = detail.key.startsWith('api:user:') ? 'user' : 'address';
    throw tooManyRequests(
      context.switchToHttp().getResponse<Response>(),
      detail.timeToBlockExpire,
      `at most ${detail.limit} requests a minute per ${who} (API_RATE_LIMIT_PER_MINUTE)`,
    );
  }
}

/** The user a request is counted against; the address when no principal was set. */
function userOf(req: Record<string, unknown>): string {
  const principal = req.principal as Principal | undefined;
  return principal ? `sub:${principal.sub}` : `ip:${String(req.ip)}`;
}
