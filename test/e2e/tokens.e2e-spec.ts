import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JwtService } from '@nestjs/jwt';
import { Redis } from 'ioredis';
import { jwtOptions } from '../../src/auth/token.service.js';
import { RelayEvents } from '../../src/events/relay-events.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { RedisClients } from '../../src/redis/redis-clients.js';
import { RedisServer } from '../helpers/redis-server.js';
import { REDIS_URL, TEST_JWT_SECRET, TestApp } from '../helpers/test-app.js';
import { sleep, waitFor } from '../helpers/wait.js';

const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

/** Resolves with how long after `since` the socket was disconnected by the server. */
const disconnectedAfter = (
  s: { once(e: 'disconnect', fn: (r: string) => void): unknown },
  since: () => number,
) =>
  new Promise<{ ms: number; reason: string }>((resolve) =>
    s.once('disconnect', (reason) => resolve({ ms: Date.now() - since(), reason })),
  );

for (const redis of [true, false]) {
  describe(`tokens: ids, the registry, revocation (${redis ? 'Redis' : 'memory'})`, () => {
    let t: TestApp;
    let admin: string;
    const bodies: string[] = [];
    before(async () => {
      t = await TestApp.start({ redis });
      admin = t.token('admin', '1h');
    });
    after(async () => {
      await t.close();
    });

    const mint = async (body: object, token = admin) => {
      const r = await t.post('/api/admin/tokens', body, token);
      bodies.push(r.text);
      return r;
    };

    it('a minted token has an id: the answer gives it with role, sub and expiry, not cached', async () => {
      const r = await mint({ role: 'viewer', ttl: '10m', sub: 'desk-1' });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(Object.keys(r.body).sort(), [
        'expires_at',
        'expires_in',
        'id',
        'limits',
        'parent',
        'role',
        'scopes',
        'sub',
        'token',
      ]);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const c = claims(r.body.token);
      assert.equal(c.jti, r.body.id);
      assert.match(r.body.id, /^[\w-]{22}$/);
      assert.equal(r.body.sub, 'desk-1');
      assert.equal(Date.parse(r.body.expires_at), (c.exp as number) * 1000);
      const other = await mint({ role: 'viewer', ttl: '10m' });
      assert.notEqual(other.body.id, r.body.id);
    });

    it('GET /api/admin/tokens lists live tokens with kind and last use, never a token', async () => {
      const r = await mint({ role: 'viewer', ttl: '20m', sub: 'lister' });
      const find = async () =>
        ((await t.http('/api/admin/tokens', { token: admin })).body.tokens as any[]).find(
          (e) => e.id === r.body.id,
        );
      const before = await find();
      assert.deepEqual(Object.keys(before).sort(), [
        'expires_at',
        'id',
        'issued_at',
        'kind',
        'last_seen',
        'limits',
        'parent',
        'role',
        'scopes',
        'sub',
      ]);
      assert.deepEqual(
        { sub: before.sub, role: before.role, kind: before.kind, last_seen: before.last_seen },
        { sub: 'lister', role: 'viewer', kind: 'api', last_seen: null },
      );
      assert.equal(before.expires_at, r.body.expires_at);
      assert.equal((await t.http('/api/market/status', { token: r.body.token })).status, 200);
      const seen = await waitFor(async () => (await find())?.last_seen, 'last_seen after a use');
      assert.ok(Math.abs(Date.parse(seen) - Date.now()) < 10_000);
      const list = await t.http('/api/admin/tokens', { token: admin });
      assert.equal(list.headers.get('cache-control'), 'no-store');
      assert.ok(!list.text.includes('eyJ'), 'no JWT in the listing');
      assert.ok(!list.text.includes(r.body.token));
      assert.equal((await t.http('/api/admin/tokens', { token: r.body.token })).status, 403);
    });

    it('revoked: 401 on HTTP at once, its socket disconnected within 2 s, others untouched, listed no more', async () => {
      const victim = (await mint({ role: 'viewer', ttl: '30m', sub: 'leaked' })).body;
      const bystander = (await mint({ role: 'viewer', ttl: '30m', sub: 'other' })).body;
      const a = t.client({ token: victim.token });
      const b = t.client({ token: bystander.token });
      await Promise.all([t.connected(a), t.connected(b)]);
      assert.equal((await t.http('/api/market/status', { token: victim.token })).status, 200);
      let revokedAt = 0;
      const gone = disconnectedAfter(a, () => revokedAt);
      revokedAt = Date.now();
      const r = await t.http(`/api/admin/tokens/${victim.id}`, { method: 'DELETE', token: admin });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.id, victim.id);
      assert.equal(r.body.sub, 'leaked');
      assert.equal((await t.http('/api/market/status', { token: victim.token })).status, 401);
      const { ms, reason } = await gone;
      assert.ok(ms < 2000, `disconnected ${ms} ms after the revocation`);
      assert.equal(reason, 'io server disconnect');
      await sleep(100); // a window in which the other socket must not be cut
      assert.equal(b.connected, true, 'another token is not affected');
      assert.equal((await t.http('/api/market/status', { token: bystander.token })).status, 200);
      const again = t.client({ token: victim.token });
      await assert.rejects(t.connected(again), /unauthorized/);
      const ids = ((await t.http('/api/admin/tokens', { token: admin })).body.tokens as any[]).map(
        (e) => e.id,
      );
      assert.ok(!ids.includes(victim.id), 'a revoked token is listed no more');
      assert.ok(ids.includes(bystander.id));
      const twice = await t.http(`/api/admin/tokens/${victim.id}`, { method: 'DELETE', token: admin });
      assert.equal(twice.status, 404);
      for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'not-an-id', '..%2F..%2Fetc']) {
        assert.equal(
          (await t.http(`/api/admin/tokens/${id}`, { method: 'DELETE', token: admin })).status,
          404,
        );
      }
    });

    it('a revocation heard from another node (token.revoked) is refused here too and ends its sockets', async () => {
      const victim = (await mint({ role: 'viewer', ttl: '30m' })).body;
      const s = t.client({ token: victim.token });
      await t.connected(s);
      let at = 0;
      const gone = disconnectedAfter(s, () => at);
      at = Date.now();
      // What the cluster bridge does with another node's event.
      t.get(RelayEvents).emit('token.revoked', {
        origin: 'node-b',
        id: victim.id,
        exp: claims(victim.token).exp as number,
      });
      assert.equal((await t.http('/api/market/status', { token: victim.token })).status, 401);
      assert.ok((await gone).ms < 2000);
    });

    it('a token cannot mint a token that outlives itself (the renewal loop of the review)', async () => {
      const short = (await mint({ role: 'admin', ttl: '10m' })).body.token;
      const renew = await mint({ role: 'admin', ttl: '30d' }, short);
      assert.equal(renew.status, 400);
      assert.match(renew.body.message, /outlive the token that creates the token/);
      assert.equal((await mint({ role: 'viewer', ttl: '11m' }, short)).status, 400);
      const ok = await mint({ role: 'admin', ttl: '9m' }, short);
      assert.equal(ok.status, 201);
      assert.ok((claims(ok.body.token).exp as number) <= (claims(short).exp as number));
    });

    it('a token without an id (minted before revocation existed) is refused, on HTTP and on the socket', async () => {
      const jwt = new JwtService(jwtOptions(TEST_JWT_SECRET));
      const old = jwt.sign({ sub: 'old-client', role: 'admin' }, { expiresIn: 3600 });
      assert.equal((await t.http('/api/market/status', { token: old })).status, 401);
      await assert.rejects(t.connected(t.client({ token: old })), /unauthorized/);
      const forgedId = jwt.sign({ sub: 'x', role: 'viewer' }, { expiresIn: 3600, jwtid: '../../etc' });
      assert.equal((await t.http('/api/market/status', { token: forgedId })).status, 401);
    });

    it('a CLI token joins the registry when first used and can then be revoked by the id it printed', async () => {
      const cli = fileURLToPath(new URL('../../src/auth/token-cli.js', import.meta.url));
      const out = spawnSync(process.execPath, [cli, '--role', 'viewer', '--ttl', '15m', '--sub', 'script'], {
        env: { PATH: process.env.PATH, NODE_ENV: 'development', JWT_SECRET: TEST_JWT_SECRET },
        encoding: 'utf8',
      });
      const token = out.stdout.trim();
      const id = /id=([\w-]{22})/.exec(out.stderr)![1];
      const gone = await t.http(`/api/admin/tokens/${id}`, { method: 'DELETE', token: admin });
      assert.equal(gone.status, 404, 'unknown before its first use');
      assert.equal((await t.http('/api/market/status', { token })).status, 200);
      const entry = await waitFor(
        async () =>
          ((await t.http('/api/admin/tokens', { token: admin })).body.tokens as any[]).find(
            (e) => e.id === id,
          ),
        'the CLI token in the listing',
      );
      assert.equal(entry.kind, 'cli');
      assert.equal(entry.sub, 'script');
      assert.equal((await t.http(`/api/admin/tokens/${id}`, { method: 'DELETE', token: admin })).status, 200);
      assert.equal((await t.http('/api/market/status', { token })).status, 401);
    });

    it('logout clears the dashboard cookie and revokes the token it carried', async () => {
      const cookie = await t.login();
      const id = claims(cookie.split('=')[1]).jti as string;
      const listed = (await t.http('/api/admin/tokens', { token: admin })).body.tokens as any[];
      assert.equal(listed.find((e) => e.id === id)?.kind, 'login');
      const s = t.client({ cookie });
      await t.connected(s);
      const r = await t.http('/api/admin/session', { method: 'DELETE', headers: { cookie, origin: t.url } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.state, 'UNAUTHENTICATED');
      const cleared = r.headers.getSetCookie().find((c) => c.startsWith('kr_session='));
      assert.match(cleared ?? '', /^kr_session=;.*Expires=Thu, 01 Jan 1970/);
      assert.equal((await t.http('/api/market/status', { headers: { cookie } })).status, 401);
      await waitFor(() => !s.connected, 'the dashboard socket ends with the cookie');
    });

    it('no token or secret in any answer body of these tests', () => {
      const text = bodies.join('\n');
      assert.ok(!text.includes(TEST_JWT_SECRET));
      assert.ok(!text.includes(admin), 'the minting token is never echoed');
      assert.ok(!t.logText.includes(admin), 'no token in the logs');
      assert.ok(!/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]+/.test(t.logText), 'no JWT in the logs');
    });
  });
}

describe('tokens: revocations are kept in Redis until the token expires', () => {
  it('a revoked token stays refused by a node that starts afterwards (loaded at boot)', async () => {
    const a = await TestApp.start();
    const redis = new Redis(REDIS_URL);
    try {
      const admin = a.token('admin', '1h');
      const victim = (await a.post('/api/admin/tokens', { role: 'viewer', ttl: '25m' }, admin)).body;
      assert.equal(
        (await a.http(`/api/admin/tokens/${victim.id}`, { method: 'DELETE', token: admin })).status,
        200,
      );
      const ttl = await redis.pttl(`${a.cacheKeyPrefix}revoked:${victim.id}`);
      const left = (claims(victim.token).exp as number) * 1000 - Date.now();
      assert.ok(ttl > 0 && Math.abs(ttl - left) < 5000, `revocation TTL ${ttl} ms, token left ${left} ms`);
      const b = await TestApp.start({ sim: a.sim, cacheKeyPrefix: a.cacheKeyPrefix });
      try {
        assert.equal((await b.http('/api/market/status', { token: victim.token })).status, 401);
        assert.equal((await b.http('/api/market/status', { token: admin })).status, 200);
      } finally {
        await b.close();
      }
    } finally {
      redis.disconnect();
      await a.close();
    }
  });

  it('a revocation made while Redis is down holds on the node and is written to Redis when it answers again', async () => {
    const server = await RedisServer.start();
    const a = await TestApp.start({ env: { REDIS_URL: server.url } });
    try {
      const admin = a.token('admin', '1h');
      const victim = (await a.post('/api/admin/tokens', { role: 'viewer', ttl: '25m' }, admin)).body;
      await server.stop();
      await waitFor(() => !a.get(RedisClients).up, 'Redis seen down');
      assert.equal(
        (await a.http(`/api/admin/tokens/${victim.id}`, { method: 'DELETE', token: admin })).status,
        200,
      );
      assert.equal((await a.http('/api/market/status', { token: victim.token })).status, 401);
      await server.start();
      const key = `${a.cacheKeyPrefix}revoked:${victim.id}`;
      await waitFor(async () => (await server.client.exists(key)) === 1, 'the revocation written back');
      const b = await TestApp.start({
        sim: a.sim,
        cacheKeyPrefix: a.cacheKeyPrefix,
        env: { REDIS_URL: server.url },
      });
      try {
        assert.equal((await b.http('/api/market/status', { token: victim.token })).status, 401);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
      await server.close();
    }
  });
});

describe('tokens: parents, cascade, own subs, scopes (Redis)', () => {
  let t: TestApp;
  let root: string;
  before(async () => {
    t = await TestApp.start();
    await t.login();
    root = t.token('admin', '1h');
  });
  after(async () => {
    await t.close();
  });

  it('revoking a token revokes what it minted, transitively, and its unused invites; others untouched', async () => {
    const parent = (await t.post('/api/admin/tokens', { role: 'admin', ttl: '30m' }, root)).body;
    const child = (await t.post('/api/admin/tokens', { role: 'admin', ttl: '20m' }, parent.token)).body;
    const grandchild = (await t.post('/api/admin/tokens', { role: 'viewer', ttl: '10m' }, child.token)).body;
    const bystander = (await t.post('/api/admin/tokens', { role: 'viewer', ttl: '10m' }, root)).body;
    assert.equal(child.parent, parent.id);
    const invite = await t.post('/api/admin/invites', { name: 'Priya', ttl: '10m' }, child.token);
    assert.equal(invite.status, 201, invite.text);
    const listed = (await t.http('/api/admin/tokens', { token: root })).body.tokens as any[];
    assert.equal(listed.find((e) => e.id === grandchild.id)?.parent, child.id);
    const s = t.client({ token: grandchild.token });
    await t.connected(s);
    const gone = new Promise<void>((r) => s.once('disconnect', () => r()));
    const at = Date.now();
    assert.equal(
      (await t.http(`/api/admin/tokens/${parent.id}`, { method: 'DELETE', token: root })).status,
      200,
    );
    await gone;
    assert.ok(Date.now() - at < 2000);
    for (const tok of [parent.token, child.token, grandchild.token]) {
      assert.equal((await t.http('/api/market/status', { token: tok })).status, 401);
    }
    assert.equal((await t.http('/api/market/status', { token: bystander.token })).status, 200);
    const code = new URL(invite.body.url).hash.slice('#code='.length);
    const redeem = await t.http('/api/auth/invite', {
      method: 'POST',
      body: JSON.stringify({ code }),
      headers: { origin: t.url },
    });
    assert.equal(redeem.status, 410, redeem.text);
    assert.match(redeem.text, /revoked/);
  });

  it('each token without a sub gets its own; a sub naming an invite or a bad form is refused', async () => {
    const a = (await t.post('/api/admin/tokens', { role: 'viewer' }, root)).body;
    const b = (await t.post('/api/admin/tokens', { role: 'viewer' }, root)).body;
    assert.match(a.sub, /^client-viewer-[\w-]{8}$/);
    assert.notEqual(a.sub, b.sub);
    for (const sub of ['invite:x.abcdef', 'has space', '']) {
      assert.equal((await t.post('/api/admin/tokens', { role: 'viewer', sub }, root)).status, 400);
    }
  });

  it("a sub naming the session's Kite user id is refused (that name is the dashboard login's)", async () => {
    const user = (await t.http('/api/auth/status', { token: root })).body.user_id as string;
    assert.equal(user, 'SIM001', 'logged in as the simulator user');
    for (const sub of [user, user.toLowerCase()]) {
      const r = await t.post('/api/admin/tokens', { role: 'admin', sub }, root);
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.message, /must not name a Kite user id/);
    }
    const other = await t.post('/api/admin/tokens', { role: 'viewer', sub: `${user}-bot` }, root);
    assert.equal(other.status, 201, 'a name that only starts like it is fine');
  });

  it('scopes: only known ones, signed as the scopes claim and listed', async () => {
    const r = await t.post('/api/admin/tokens', { role: 'viewer', scopes: ['orders'] }, root);
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(claims(r.body.token).scopes, ['orders']);
    const listed = (await t.http('/api/admin/tokens', { token: root })).body.tokens as any[];
    assert.deepEqual(listed.find((e) => e.id === r.body.id)?.scopes, ['orders']);
    const bad = await t.post('/api/admin/tokens', { role: 'viewer', scopes: ['trades'] }, root);
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /unknown scope/);
  });
  it('narrower limits: refused past max_connections, max_instruments and exchanges; another token unaffected', async () => {
    const narrow = await t.post(
      '/api/admin/tokens',
      { role: 'viewer', max_connections: 1, max_instruments: 1, exchanges: ['NSE'] },
      root,
    );
    assert.equal(narrow.status, 201, narrow.text);
    assert.deepEqual(narrow.body.limits, { max_connections: 1, max_instruments: 1, exchanges: ['NSE'] });
    const wide = (await t.post('/api/admin/tokens', { role: 'viewer' }, root)).body;
    // The other token first, once the master is loaded: it is not bound by the narrow token's limits.
    const b1 = t.client({ token: wide.token });
    const b2 = t.client({ token: wide.token });
    await Promise.all([t.connected(b1), t.connected(b2)]);
    await waitFor(
      async () => {
        const ok = await b1.emitWithAck('subscribe', { instruments: ['NSE:INFY', 'CDS:USDINR26DECFUT'] });
        return ok.ok && ok.subscribed.length === 2;
      },
      'the wide token subscribed to two instruments of two exchanges',
      10_000,
      300,
    );
    const a = t.client({ token: narrow.body.token });
    await t.connected(a);
    await assert.rejects(t.connected(t.client({ token: narrow.body.token })), /too_many_connections/);
    const cds = await a.emitWithAck('subscribe', { instruments: ['CDS:USDINR26DECFUT'] });
    assert.equal(cds.ok && cds.rejected[0]?.reason, 'exchange_not_allowed', JSON.stringify(cds));
    const one = await a.emitWithAck('subscribe', { instruments: ['NSE:INFY'] });
    assert.equal(one.ok && one.subscribed.length, 1, JSON.stringify(one));
    const two = await a.emitWithAck('subscribe', { instruments: ['NSE:TCS'] });
    assert.equal(!two.ok && two.error.code, 'user_limit', JSON.stringify(two));
    assert.equal(b2.connected, true, 'the other token keeps its sockets');
    const wider = await t.post('/api/admin/tokens', { role: 'viewer', max_connections: 100_000 }, root);
    assert.equal(wider.status, 400);
    const typo = await t.post('/api/admin/tokens', { role: 'viewer', max_connection: 1 }, root);
    assert.equal(typo.status, 400);
  });

  it('the exchanges limit holds on the REST routes too: /api/quotes refuses, /kite answers PermissionException; a wide token is served', async () => {
    const narrow = (await t.post('/api/admin/tokens', { role: 'viewer', exchanges: ['NSE'] }, root)).body;
    const wide = (await t.post('/api/admin/tokens', { role: 'viewer' }, root)).body;
    const kite = (token: string, path: string) =>
      t.http(path, { headers: { Authorization: `token any_key:${token}`, 'X-Kite-Version': '3' } });
    const both = '/api/quotes?i=NSE:INFY&i=CDS:USDINR26DECFUT';
    const mixed = await t.http(both, { token: narrow.token });
    assert.equal(mixed.status, 200, mixed.text);
    assert.deepEqual(mixed.body.refused, ['CDS:USDINR26DECFUT']);
    assert.deepEqual(Object.keys(mixed.body.data), ['NSE:INFY'], 'the allowed one is served');
    const wideBoth = await t.http(both, { token: wide.token });
    assert.deepEqual(wideBoth.body.refused, []);
    assert.deepEqual(Object.keys(wideBoth.body.data).sort(), ['CDS:USDINR26DECFUT', 'NSE:INFY']);

    const refused = await kite(narrow.token, '/kite/quote/ltp?i=CDS:USDINR26DECFUT');
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error_type, 'PermissionException');
    assert.match(refused.body.message, /instruments of NSE only \(its exchanges limit\)/);
    const partly = await kite(narrow.token, '/kite/quote/ltp?i=CDS:USDINR26DECFUT&i=NSE:INFY');
    assert.equal(partly.status, 200, partly.text);
    assert.deepEqual(
      Object.keys(partly.body.data),
      ['NSE:INFY'],
      'a refused one is left out, as Kite leaves out unknown ones',
    );
    assert.equal((await kite(wide.token, '/kite/quote/ltp?i=CDS:USDINR26DECFUT')).status, 200);

    const cds = t.get(InstrumentsService).resolve('CDS:USDINR26DECFUT');
    assert.ok(cds.ok);
    const range = 'from=2026-12-01+09:15:00&to=2026-12-01+09:30:00';
    const history = await kite(narrow.token, `/kite/instruments/historical/${cds.token}/minute?${range}`);
    assert.equal(history.status, 403, history.text);
    assert.equal(history.body.error_type, 'PermissionException');
    const wideHistory = await kite(wide.token, `/kite/instruments/historical/${cds.token}/minute?${range}`);
    assert.equal(wideHistory.status, 200, wideHistory.text);
  });
});
