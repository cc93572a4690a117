import { HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';

/**
 * The gateway's 429: `Retry-After` in whole seconds (at least 1) and the usual error body
 * `{statusCode, error, message}`, the message ending with when to retry.
 */
export function tooManyRequests(res: Response, retryAfterS: number, message: string): HttpException {
  const seconds = Math.max(1, Math.ceil(retryAfterS));
  res.setHeader('Retry-After', String(seconds));
  return new HttpException(
    {
      statusCode: HttpStatus.TOO_MANY_REQUESTS,
      error: 'Too Many Requests',
      message: `${message}; retry after ${seconds} s`,
    },
    HttpStatus.TOO_MANY_REQUESTS,
  );
}
