import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';
import { tooManyRequests } from '../common/too-many-requests.js';

/**
 * The login and admin routes' limit (30 a minute per address), answering past it with the
 * gateway's error body `{statusCode, error, message}` and `Retry-After`, like every other error.
 */
@Injectable()
export class AddressThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw tooManyRequests(
      context.switchToHttp().getResponse<Response>(),
      detail.timeToBlockExpire,
      `at most ${detail.limit} requests a minute from one address on the login and admin routes`,
    );
  }
}
