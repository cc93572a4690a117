import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../../test/helpers/redis-server.js';
import type { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterKey } from './cluster-key.js';
import { InviteStore } from './invite.store.js';
import type { RedisClients } from './redis-clients.js';

const key = new ClusterKey(
  { values: { sessionEncryptionKey: 'invite-store-spec-0123456789abcdef0123' } } as AppConfigService,
  new MetricsService(),
);

function store(server: RedisServer, prefix: string): InviteStore {
  const clients = { command: server.client, key: (n: string) => prefix + n };
  return new InviteStore(clients as unknown as RedisClients, key);
}

describe('InviteStore: single use and revocation on a real redis-server', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.close();
  });

  const soon = () => Date.now() + 60_000;

  it('20 redemptions at once: exactly one spends the code, the others see it spent', async () => {
    const s = store(server, 'i1:');
    await s.create('inv', '{}', 'h1', soon(), soon());
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.consume('inv', 'h1')));
    assert.deepEqual(answers.sort(), [1, ...Array(19).fill(2)].sort());
  });

  it('a wrong hash or an unknown invite spends nothing', async () => {
    const s = store(server, 'i2:');
    await s.create('inv', '{}', 'right', soon(), soon());
    assert.equal(await s.consume('inv', 'wrong'), 0);
    assert.equal(await s.consume('nope', 'right'), 0);
    assert.equal(await s.consume('inv', 'right'), 1, 'still spendable with the right code');
  });

  it('revoke: the first call says so and gives the token it was exchanged for; a revoked code cannot be spent', async () => {
    const s = store(server, 'i3:');
    await s.create('used', '{}', 'h', soon(), soon());
    assert.equal(await s.consume('used', 'h'), 1);
    assert.equal(await s.markUsed('used', 'tok-1', Date.now()), null);
    assert.deepEqual(await s.revoke('used', 1234), { first: true, tokenId: 'tok-1' });
    assert.deepEqual(await s.revoke('used', 5678), { first: false, tokenId: 'tok-1' });
    assert.equal(
      await s.markUsed('used', 'tok-1', Date.now()),
      '1234',
      'a late redemption sees the revocation',
    );
    await s.create('unused', '{}', 'h', soon(), soon());
    await s.revoke('unused', 1);
    assert.equal(await s.consume('unused', 'h'), 2, 'a revoked code is spent');
  });

  it('revoking an invite that does not exist creates nothing', async () => {
    const s = store(server, 'i4:');
    assert.deepEqual(await s.revoke('ghost', 1), { first: false, tokenId: null });
    assert.equal(await server.client.exists('i4:invite:ghost'), 0);
  });

  it('an invite past its expiry is not listed; the store keeps it until keepUntil', async () => {
    const s = store(server, 'i5:');
    const now = Date.now();
    await s.create('old', '{}', 'h', now - 1000 + 2000, now + 60_000);
    await s.create('new', '{}', 'h', now + 60_000, now + 120_000);
    assert.deepEqual((await s.unexpiredIds(now + 5000)).sort(), ['new']);
    assert.equal((await s.read('old')).hash, 'h');
  });
});
