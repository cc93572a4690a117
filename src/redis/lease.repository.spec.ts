import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { LeaseRepository } from './lease.repository.js';
import type { RedisClients } from './redis-clients.js';

/** The repository on the test's own redis-server, under a prefix of its own. */
function lease(server: RedisServer, prefix: string): LeaseRepository {
  const clients = { command: server.client, key: (n: string) => prefix + n };
  return new LeaseRepository(clients as unknown as RedisClients);
}

describe('LeaseRepository: the lease and fencing scripts on a real redis-server', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.close();
  });

  it('one holder at a time; each new tenure gets a larger fencing number', async () => {
    const repo = lease(server, 'l1:');
    const f1 = await repo.acquire('a', 5000);
    assert.ok(f1 !== null && f1 > 0);
    assert.equal(await repo.acquire('b', 5000), null, 'held: b cannot take it');
    assert.deepEqual(
      { ...(await repo.read()), ttlMs: undefined },
      { nodeId: 'a', fencing: f1, ttlMs: undefined },
    );
    assert.equal(await repo.release('a', f1), true);
    const f2 = await repo.acquire('b', 5000);
    assert.ok(f2 !== null && f2 > f1, `${f2} > ${f1}`);
  });

  it('renew and release touch only the caller’s own tenure', async () => {
    const repo = lease(server, 'l2:');
    const f = (await repo.acquire('a', 5000))!;
    assert.equal(await repo.renew('b', f, 5000), 'lost', 'another node cannot renew it');
    assert.equal(await repo.renew('a', f - 1, 5000), 'lost', 'nor an older tenure of the same node');
    assert.equal(await repo.release('b', f), false);
    assert.equal((await repo.read())?.nodeId, 'a');
    assert.equal(await repo.renew('a', f, 5000), 'renewed');
  });

  it('a lease that vanished (Redis restarted empty) is taken back by its holder with the same number', async () => {
    const repo = lease(server, 'l3:');
    const f = (await repo.acquire('a', 5000))!;
    await server.client.del('l3:lease:upstream');
    assert.equal(await repo.renew('a', f, 5000), 'reestablished');
    assert.deepEqual((await repo.read())?.fencing, f);
  });

  it('the fencing number keeps growing after Redis lost everything: it is above Redis’ clock in ms', async () => {
    const repo = lease(server, 'l4:');
    const before = Date.now();
    await server.client.set('l4:lease:fencing', '7');
    const f = (await repo.acquire('a', 5000))!;
    assert.ok(f >= before - 1000, `${f} is at least Redis' clock`);
    await repo.release('a', f);
    await server.client.del('l4:lease:fencing'); // a flush
    // Redis' clock must have moved past f: within the same millisecond the number would repeat.
    for (;;) {
      const [sec, usec] = await server.client.time();
      if (Number(sec) * 1000 + Math.floor(Number(usec) / 1000) > f) break;
    }
    const g = (await repo.acquire('b', 5000))!;
    assert.ok(g > f, `${g} > ${f} even without the counter`);
  });

  it('an expired lease is free; a bad expiry is refused before anything is sent', async () => {
    const repo = lease(server, 'l5:');
    const f = (await repo.acquire('a', 50))!;
    await server.client.pexpire('l5:lease:upstream', 1);
    for (let i = 0; i < 50 && (await repo.read()) !== null; i++) await new Promise((r) => setImmediate(r));
    assert.equal(await repo.read(), null);
    const g = await repo.acquire('b', 5000);
    assert.ok(g !== null && g > f);
    await assert.rejects(repo.renew('b', g, Number.POSITIVE_INFINITY));
    assert.ok(((await repo.read())?.ttlMs ?? 0) <= 5000);
  });
});
