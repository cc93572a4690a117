import { NoSessionError } from '../auth/kite-api.service.js';
import { kiteErrorMessage, type KiteApiError } from '../kite/kite-rest.js';
import { KiteException, relaySessionError } from './kite-exception.js';

/**
 * A failed Kite call as the /kite routes answer it: the relay's session trouble as TokenException
 * (the bot's token was fine), Kite's input and permission refusals passed on, Kite's pacing as 429,
 * no answer as 504, anything else Kite said as 502. Kite's messages never hold a secret.
 */
export function kiteCallError(err: unknown, what: string): KiteException {
  if (err instanceof NoSessionError) return relaySessionError(false);
  const type = typeof err === 'object' && err !== null ? (err as KiteApiError).error_type : undefined;
  const message = kiteErrorMessage(err);
  switch (type ?? '') {
    case 'TokenException':
      return relaySessionError(true);
    case 'InputException':
      return new KiteException(400, 'InputException', message);
    case 'PermissionException':
      return new KiteException(
        403,
        'PermissionException',
        `Kite refused the relay's ${what} request: ${message}`,
      );
    case 'NetworkException':
      return /too many|429/i.test(message)
        ? new KiteException(429, 'NetworkException', `Kite is pacing the relay's ${what} requests; try again`)
        : new KiteException(504, 'NetworkException', `Kite did not answer the ${what} request; try again`);
    default:
      return new KiteException(
        502,
        'NetworkException',
        `Kite failed the ${what} request (${message}); try again`,
      );
  }
}
