import { NoSessionError } from '../auth/kite-api.service.js';
import { isTokenException } from '../kite/kite-rest.js';
import { QuoteQueueFullError } from './quotes.service.js';

/** Why a quote lookup failed, for each protocol to phrase in its own error shape. */
export type QuoteFailure =
  | { kind: 'queue_full'; error: QuoteQueueFullError }
  | { kind: 'no_session' }
  | { kind: 'session_expired' }
  | { kind: 'kite_unreachable' };

/** What a failure of QuotesService.lookup means; one rule for /api/quotes and /kite/quote. */
export function quoteFailure(err: unknown): QuoteFailure {
  if (err instanceof QuoteQueueFullError) return { kind: 'queue_full', error: err };
  if (err instanceof NoSessionError) return { kind: 'no_session' };
  if (isTokenException(err)) return { kind: 'session_expired' };
  return { kind: 'kite_unreachable' };
}
