import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { clusterKeyFor as keyOf, refusedRecords } from '../../test/helpers/cluster-key.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ClusterKey } from './cluster-key.js';
import { HistoricalStore } from './historical.store.js';
import { InstrumentStore } from './instrument.store.js';
import type { RedisClients } from './redis-clients.js';

describe('the instrument master and historical answers in Redis are sealed (a real redis-server)', () => {
  let server: RedisServer;
  let metrics: MetricsService;
  let key: ClusterKey;
  const clients = () =>
    ({ command: server.client, key: (n: string) => `ss:${n}` }) as unknown as RedisClients;
  const refused = (kind: string) => refusedRecords(metrics, kind);
  before(async () => {
    server = await RedisServer.start();
    metrics = new MetricsService();
    key = keyOf('sealed-stores-spec-0123456789abcdef0123', metrics);
  });
  after(async () => {
    await server?.close();
  });

  it('the master: read back as written; planted, edited or sealed under another key reads as none, counted', async () => {
    const store = new InstrumentStore(clients(), key);
    const blob = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5]);
    await store.write(blob, 60_000);
    assert.deepEqual(await store.read(), blob);
    const stored = (await server.client.getBuffer('ss:instruments'))!;
    assert.equal(stored.length, blob.length + 32, 'a 32-byte MAC before the blob');

    await server.client.set('ss:instruments', blob, 'PX', 60_000);
    assert.equal(await store.read(), undefined, 'planted: the bare blob');
    const edited = Buffer.from(stored);
    edited[edited.length - 1] ^= 1;
    await server.client.set('ss:instruments', edited, 'PX', 60_000);
    assert.equal(await store.read(), undefined, 'one byte of the blob changed');
    await new InstrumentStore(clients(), keyOf('another-deployment-0123456789abcdef0123')).write(
      blob,
      60_000,
    );
    assert.equal(await store.read(), undefined, 'another deployment’s key');
    await server.client.set('ss:instruments', Buffer.alloc(5), 'PX', 60_000);
    assert.equal(await store.read(), undefined, 'shorter than a MAC');
    assert.equal(await refused('instruments'), 4);
  });

  it('historical answers: bound to their request key, so neither planted nor copied to another request', async () => {
    const store = new HistoricalStore(clients(), key);
    const candles = '[["2026-12-04T09:15:00+0530",1520,1530,1515,1525,12000]]';
    await store.write('408065:minute:a', candles, 60_000);
    assert.equal(await store.read('408065:minute:a'), candles);
    assert.equal(await store.read('408065:minute:none'), undefined, 'nothing stored: none, not a refusal');

    await server.client.set('ss:historical:408065:minute:b', candles, 'PX', 60_000);
    const genuine = (await server.client.get('ss:historical:408065:minute:a'))!;
    await server.client.set('ss:historical:408065:minute:c', genuine, 'PX', 60_000);
    await server.client.set('ss:historical:408065:minute:a', genuine.replace('1520', '1'), 'PX', 60_000);
    assert.equal(await store.read('408065:minute:b'), undefined, 'planted');
    assert.equal(await store.read('408065:minute:c'), undefined, 'copied from another request');
    assert.equal(await store.read('408065:minute:a'), undefined, 'edited');
    assert.equal(await refused('historical'), 3);
  });
});
