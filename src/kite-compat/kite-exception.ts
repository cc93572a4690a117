import { HttpException } from '@nestjs/common';
import { kiteError, type KiteErrorType } from './kite-error.js';

/** An error answered in Kite's envelope with Kite's HTTP status, so the official clients raise their own exception. */
export class KiteException extends HttpException {
  constructor(
    status: number,
    readonly errorType: KiteErrorType,
    message: string,
  ) {
    super(kiteError(errorType, message), status);
  }
}

export const inputError = (message: string) => new KiteException(400, 'InputException', message);

/** The relay has no usable Kite session: the bot's token is fine, the owner must log in. */
export const relaySessionError = (expired: boolean) =>
  new KiteException(
    403,
    'TokenException',
    expired
      ? "kite-relay's Kite session has expired: the relay's owner must log in again (your token is fine)"
      : "kite-relay has no Kite session: the relay's owner must log in again (your token is fine)",
  );

/** Kite's error type for an HTTP status the relay answers with (a Nest exception that is not a KiteException). */
export function kiteErrorTypeOf(status: number): KiteErrorType {
  if (status === 400 || status === 413 || status === 414 || status === 431) return 'InputException';
  if (status === 401 || status === 403) return 'TokenException';
  if (status === 429 || status === 502 || status === 503 || status === 504) return 'NetworkException';
  return 'GeneralException';
}

/** The token's `exchanges` limit excludes every instrument asked for. */
export const exchangesRefused = (exchanges: readonly string[] | undefined) =>
  new KiteException(
    403,
    'PermissionException',
    `this token may read instruments of ${exchanges?.join(', ') || 'no exchange'} only (its exchanges limit)`,
  );
