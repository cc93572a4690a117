import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RedisClients } from '../../src/redis/redis-clients.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { RedisServer } from '../helpers/redis-server.js';
import { TestApp } from '../helpers/test-app.js';
import { sleep, waitFor } from '../helpers/wait.js';

const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, any>;
const codeOf = (url: string) => new URL(url).hash.replace(/^#code=/, '');

/** Connections Redis has accepted since it started (INFO stats). */
async function connectionsReceived(server: RedisServer): Promise<number> {
  const info = await server.client.info('stats');
  return Number(/total_connections_received:(\d+)/.exec(info)![1]);
}

/**
 * Issue #29 part 1: a node that restarts while Redis holds revocations (of tokens and of invites)
 * comes back ready, with its Kite session, and keeps every revocation, even after its Redis
 * connections are cut, without reconnecting in a loop.
 */
describe('restart with stored revocations: ready, session restored, revocations kept, no reconnect loop', () => {
  let server: RedisServer;
  let sim: KiteSimulator;
  let first: TestApp;
  let prefix: string;
  let admin: string;
  let keeper: string;
  let revokedToken: string;
  let plantedToken: string;
  let unusedInviteCode: string;
  let usedInviteCookie: string;
  let n = 0;
  const ip = () => ({ 'x-forwarded-for': `10.29.${(n >> 8) & 255}.${n++ & 255}` });

  before(async () => {
    server = await RedisServer.start();
    // The simulator outlives every node (an app that owns its simulator stops it on close).
    sim = await new KiteSimulator({ ticksPerSecond: 100 }).start();
    first = await TestApp.start({ sim, env: { REDIS_URL: server.url } });
    prefix = first.cacheKeyPrefix;
    await first.login();
    admin = first.token('admin', '2h');
    keeper = (await first.post('/api/admin/tokens', { role: 'viewer', ttl: '1h', sub: 'keeper' }, admin)).body
      .token;
    const victim = (await first.post('/api/admin/tokens', { role: 'viewer', ttl: '40m' }, admin)).body;
    revokedToken = victim.token;
    assert.equal(
      (await first.http(`/api/admin/tokens/${victim.id}`, { method: 'DELETE', token: admin })).status,
      200,
    );
    // A revocation key without a TTL (written by hand or by an older version): PTTL answers -1.
    plantedToken = (await first.post('/api/admin/tokens', { role: 'viewer', ttl: '30m' }, admin)).body.token;
    await server.client.set(`${prefix}revoked:${claims(plantedToken).jti as string}`, '1');

    const unused = (await first.post('/api/admin/invites', { name: 'Unused Invitee' }, admin)).body;
    unusedInviteCode = codeOf(unused.url);
    assert.equal(
      (await first.http(`/api/admin/invites/${unused.id}`, { method: 'DELETE', token: admin })).status,
      200,
    );
    const used = (await first.post('/api/admin/invites', { name: 'Used Invitee' }, admin)).body;
    const redeemed = await first.http('/api/auth/invite', {
      method: 'POST',
      body: JSON.stringify({ code: codeOf(used.url) }),
      headers: { origin: first.url, ...ip() },
    });
    assert.equal(redeemed.status, 200, redeemed.text);
    usedInviteCookie = redeemed.headers
      .getSetCookie()
      .find((c) => c.startsWith('kr_session='))!
      .split(';')[0];
    assert.equal(
      (await first.http(`/api/admin/invites/${used.id}`, { method: 'DELETE', token: admin })).status,
      200,
    );
    const keys = await server.client.keys(`${prefix}revoked:*`);
    assert.equal(keys.length, 3, 'a token, a planted key and the used invite’s token are revoked');
    await first.close();
  });

  after(async () => {
    await sim.stop();
    await server.close();
  });

  for (const round of [1, 2]) {
    it(`restart ${round}: ready, Kite session restored, every revocation in force after a connection blip`, async () => {
      const before = await connectionsReceived(server);
      const t = await TestApp.start({
        sim: first.sim,
        cacheKeyPrefix: prefix,
        env: { REDIS_URL: server.url },
      });
      try {
        const redis = t.get(RedisClients);
        await waitFor(() => redis.up, 'Redis up at boot');
        // Cut every connection of the node once: the reconnect re-syncs the revocations.
        await server.client.client('KILL', 'TYPE', 'normal');
        await server.client.client('KILL', 'TYPE', 'pubsub');
        await waitFor(() => !redis.up, 'the blip noticed', 5000, 5).catch(() => undefined);
        await waitFor(() => redis.up, 'Redis up again after the blip');
        // A loop would open ~10 connections a second: watch for a while after the resync.
        await sleep(2500);
        const opened = (await connectionsReceived(server)) - before;
        assert.ok(opened <= 8, `the node opened ${opened} Redis connections`);
        assert.ok(redis.up, 'Redis still up');
        assert.ok(
          !/not an integer|out of range|could not load token revocations/.test(t.logText),
          'no sync error',
        );

        assert.equal((await t.http('/health/ready')).status, 200);
        const status = (await t.http('/api/auth/status', { token: admin })).body;
        assert.equal(status.state, 'AUTHENTICATED', 'the stored Kite session is restored');
        const feedState = async () => {
          const h = (await t.http('/health')).body;
          return (h.info ?? h.details).feed.state as string;
        };
        await waitFor(async () => (await feedState()) === 'LIVE', 'the feed LIVE').catch(async () =>
          assert.fail(`feed state ${await feedState()}`),
        );

        assert.equal((await t.http('/api/market/status', { token: revokedToken })).status, 401);
        assert.equal((await t.http('/api/market/status', { token: plantedToken })).status, 401);
        assert.equal(
          (await t.http('/api/market/status', { headers: { cookie: usedInviteCookie } })).status,
          401,
        );
        const again = await t.http('/api/auth/invite', {
          method: 'POST',
          body: JSON.stringify({ code: unusedInviteCode }),
          headers: { origin: t.url, ...ip() },
        });
        assert.equal(again.status, 410);
        assert.equal(again.body.reason, 'revoked');
        // Others are unaffected.
        assert.equal((await t.http('/api/market/status', { token: keeper })).status, 200);
        assert.equal((await t.http('/api/market/status', { token: admin })).status, 200);

        // Redis still holds every revocation, with its own expiry (the planted one still without).
        for (const key of await server.client.keys(`${prefix}revoked:*`)) {
          const pttl = await server.client.pttl(key);
          if (key.endsWith(claims(plantedToken).jti as string)) assert.equal(pttl, -1);
          else assert.ok(pttl > 0 && pttl <= 2 * 3600_000, `${key} PTTL ${pttl}`);
        }
        assert.equal((await server.client.keys(`${prefix}revoked:*`)).length, 3);
      } finally {
        await t.close();
      }
    });
  }
});
