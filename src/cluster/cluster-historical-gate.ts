import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service.js';
import { HistoricalStore } from '../redis/historical.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { ClusterCallGate } from './cluster-call-gate.js';

/**
 * Kite allows three historical-data requests a second per API key: one slot every 350 ms, not 334,
 * so that a request delayed on its way (an event-loop stall, the network) and the next one on time
 * still arrive at most three in a second.
 */
export const HISTORICAL_CALL_GAP_MS = 350;

/**
 * The cluster's historical-call slot in Redis (see ClusterCallGate): /kite/instruments/historical
 * and the candle backfill share it, so the key's budget is spent once for the whole deployment.
 */
@Injectable()
export class ClusterHistoricalGate extends ClusterCallGate {
  constructor(config: AppConfigService, redis: RedisClients, store: HistoricalStore) {
    super(config.values.nodeId, redis, store, HISTORICAL_CALL_GAP_MS, 'historical call slot');
  }
}
