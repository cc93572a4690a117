import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { errorText } from '../common/error-text.js';
import { kiteError } from './kite-error.js';
import { KiteException, kiteErrorTypeOf } from './kite-exception.js';

/** The message of a Nest exception's body (`{message}` as a string or a list), else its own message. */
function messageOf(err: HttpException): string {
  const body = err.getResponse();
  if (typeof body === 'string') return body;
  const m = (body as { message?: unknown }).message;
  if (Array.isArray(m)) return m.join('; ');
  return typeof m === 'string' ? m : err.message;
}

/**
 * Every error under /kite in Kite's envelope (`{status:'error', message, error_type, data:null}`):
 * a KiteException as thrown, another HTTP error (a guard's 429, a 404) by its status, anything
 * else as a 500 GeneralException whose detail stays in the log.
 */
@Catch()
export class KiteExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(KiteExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return void res.end();
    if (exception instanceof KiteException) {
      res.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      res.status(status).json(kiteError(kiteErrorTypeOf(status), messageOf(exception)));
      return;
    }
    this.logger.error(`unexpected error under /kite: ${errorText(exception)}`);
    res.status(500).json(kiteError('GeneralException', 'kite-relay failed to answer; try again'));
  }
}
