import { Module, type DynamicModule } from '@nestjs/common';
import { CandleStore } from './candle.store.js';
import { ClusterBus } from './cluster-bus.js';
import { ClusterKey } from './cluster-key.js';
import { InstrumentStore } from './instrument.store.js';
import { InviteStore } from './invite.store.js';
import { LeaseRepository } from './lease.repository.js';
import { NodeRecordStore } from './node-record.store.js';
import { QuoteStore } from './quote.store.js';
import { HistoricalStore } from './historical.store.js';
import { RedisClients } from './redis-clients.js';
import { DEFAULT_KEY_PREFIX, REDIS_KEY_PREFIX } from './redis.constants.js';
import { SessionStore } from './session.store.js';
import { TokenStore } from './token.store.js';

const STORES = [
  RedisClients,
  ClusterKey,
  QuoteStore,
  HistoricalStore,
  SessionStore,
  InstrumentStore,
  TokenStore,
  InviteStore,
  CandleStore,
  LeaseRepository,
  NodeRecordStore,
  ClusterBus,
];

/**
 * The Redis connections and the thin I/O classes on top of them. Global on purpose, like config and
 * metrics: it is infrastructure, and the features (cache/, auth/, instruments/, cluster/, desk/, candles/…) decide what to do with it.
 */
@Module({})
export class RedisModule {
  static forRoot(keyPrefix = DEFAULT_KEY_PREFIX): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [{ provide: REDIS_KEY_PREFIX, useValue: keyPrefix }, ...STORES],
      exports: STORES,
    };
  }
}
