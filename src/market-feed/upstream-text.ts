import type { Logger } from '@nestjs/common';
import type { KiteSessionService } from '../auth/kite-session.service.js';
import type { ServerTextMessage } from '../kite/messages.js';
import { looksLikeOrder } from '../orders/order-update.js';
import type { OrderUpdatesService } from '../orders/order-updates.service.js';
import type { FeedMetrics } from './market-feed.metrics.js';

/**
 * Kite's text frames on the upstream: order updates go, verbatim, to OrderUpdatesService; an error
 * is logged (a token error ends the session); anything malformed is dropped and counted.
 */
export function upstreamTextHandler(deps: {
  orders: OrderUpdatesService;
  session: KiteSessionService;
  logger: Logger;
  m: FeedMetrics;
  accessToken: () => string | undefined;
}): (msg: ServerTextMessage | undefined, raw: string) => void {
  return (msg, raw) => {
    if (!msg) return looksLikeOrder(raw) ? deps.orders.malformed('upstream') : deps.m.malformed.inc();
    if (msg.type === 'order') return deps.orders.fromUpstream(raw, msg.data);
    if (msg.type !== 'error') return;
    deps.logger.warn(`Kite ticker error: ${msg.data.slice(0, 200)}`);
    if (/TokenException|token/i.test(msg.data)) {
      deps.session.reportTokenRejected(deps.accessToken(), 'ticker error message');
    }
  };
}
