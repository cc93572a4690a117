import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MARKET_NAMESPACE } from '../contracts/market-namespace.contract.js';
import { redisChannels } from './redis-channels.js';

describe('redisChannels', () => {
  it('names the bus channels and the adapter channels and patterns of both namespaces under the prefix', () => {
    const sut = redisChannels('kite-relay:');
    assert.deepEqual(sut.channels, [
      'kite-relay:bus:frames',
      'kite-relay:bus:messages',
      'kite-relay:socket.io-request#/#',
      'kite-relay:socket.io-response#/#',
      `kite-relay:socket.io-request#${MARKET_NAMESPACE}#`,
      `kite-relay:socket.io-response#${MARKET_NAMESPACE}#`,
    ]);
    assert.deepEqual(sut.patterns, [
      'kite-relay:socket.io#/#*',
      `kite-relay:socket.io#${MARKET_NAMESPACE}#*`,
    ]);
  });
});
