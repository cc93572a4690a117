import { Module, type DynamicModule } from '@nestjs/common';
import { InstrumentStore } from './instrument.store.js';
import { QuoteStore } from './quote.store.js';
import { RedisClients } from './redis-clients.js';
import { DEFAULT_KEY_PREFIX, REDIS_KEY_PREFIX } from './redis.constants.js';
import { SessionStore } from './session.store.js';
import { TokenStore } from './token.store.js';

/** The Redis connections and the thin stores on top of them; cache/, auth/, instruments/ and cluster/ use these. */
@Module({})
export class RedisModule {
  static forRoot(keyPrefix = DEFAULT_KEY_PREFIX): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        { provide: REDIS_KEY_PREFIX, useValue: keyPrefix },
        RedisClients,
        QuoteStore,
        SessionStore,
        InstrumentStore,
        TokenStore,
      ],
      exports: [RedisClients, QuoteStore, SessionStore, InstrumentStore, TokenStore],
    };
  }
}
