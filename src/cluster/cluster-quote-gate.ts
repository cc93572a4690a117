import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service.js';
import { QUOTE_CALL_GAP_MS } from '../kite/kite.constants.js';
import { QuoteStore } from '../redis/quote.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { ClusterCallGate } from './cluster-call-gate.js';

/**
 * Kite allows about one quote request a second per API key: for the whole cluster, not per node.
 * The cluster's quote-call slot in Redis, one call a second (see ClusterCallGate).
 */
@Injectable()
export class ClusterQuoteGate extends ClusterCallGate {
  constructor(config: AppConfigService, redis: RedisClients, store: QuoteStore) {
    super(config.values.nodeId, redis, store, QUOTE_CALL_GAP_MS, 'quote call slot');
  }
}
