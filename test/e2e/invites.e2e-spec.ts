import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisClients } from '../../src/redis/redis-clients.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { REDIS_URL, TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const claims = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<string, any>;
const codeOf = (url: string) => new URL(url).hash.replace(/^#code=/, '');
const cookieOf = (headers: Headers) => headers.getSetCookie().find((c) => c.startsWith('kr_session='));

/** Distinct values, so that the limits the API reports can only come from this configuration. */
const LIMITS = {
  MAX_CONNECTIONS_PER_USER: '2',
  MAX_INSTRUMENTS_PER_USER: '321',
  MAX_SUBSCRIPTIONS_PER_CLIENT: '123',
  MAX_QUEUED_QUOTES_PER_USER: '2345',
  API_RATE_LIMIT_PER_MINUTE: '4567',
  MAX_UNAUTHENTICATED_PER_ADDRESS: '33',
};

for (const redis of [true, false]) {
  describe(`invites: create, open once, list, revoke (${redis ? 'Redis' : 'memory'})`, () => {
    let t: TestApp;
    let admin: string;
    const codes: string[] = [];
    const jwts: string[] = [];
    let n = 0;
    before(async () => {
      t = await TestApp.start({ redis, env: LIMITS });
      admin = t.token('admin', '2d');
      await t.login(); // a Kite session, whose user a viewer must never learn
    });
    after(async () => {
      await t.close();
    });

    // Each request from an address of its own: these tests are not about the 30-a-minute admin limit.
    const call = (
      path: string,
      o: { method?: string; token?: string; body?: unknown; headers?: object } = {},
    ) =>
      t.http(path, {
        method: o.method,
        token: o.token,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        headers: Object.fromEntries(
          Object.entries({ 'x-forwarded-for': `10.77.${(n >> 8) & 255}.${n++ & 255}`, ...o.headers }).filter(
            ([, v]) => v !== undefined,
          ),
        ),
      });
    const create = async (body: object, token = admin) => {
      const r = await call('/api/admin/invites', { method: 'POST', token, body });
      if (r.status === 201) codes.push(codeOf(r.body.url));
      return r;
    };
    const list = async () => (await call('/api/admin/invites', { token: admin })).body.invites as any[];
    const redeem = async (code: unknown, headers: object = {}) => {
      const r = await call('/api/auth/invite', {
        method: 'POST',
        body: { code },
        headers: { origin: t.url, ...headers },
      });
      const c = cookieOf(r.headers);
      if (c) jwts.push(c.split(';')[0].slice('kr_session='.length));
      return r;
    };
    const session = (r: { headers: Headers }) => cookieOf(r.headers)!.split(';')[0];

    it('create: 201 {id, url, expires_at}; the code is in the fragment of PUBLIC_URL/invite; no-store; 12h by default', async () => {
      const r = await create({ name: 'Ana Lyst' });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(Object.keys(r.body).sort(), ['expires_at', 'id', 'url']);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const url = new URL(r.body.url);
      assert.equal(
        `${url.origin}${url.pathname}${url.search}`,
        `${t.url}/invite`,
        'nothing a server log sees',
      );
      const code = codeOf(r.body.url);
      assert.match(code, /^[\w-]{22}\.[\w-]{43}$/, '256 random bits after the id');
      assert.ok(code.startsWith(`${r.body.id}.`));
      assert.ok(Math.abs(Date.parse(r.body.expires_at) - (Date.now() + 12 * 3600_000)) < 5000);
      const other = await create({ name: 'Ana Lyst', ttl: '30m' });
      assert.notEqual(codeOf(other.body.url), code);

      const listing = await call('/api/admin/invites', { token: admin });
      assert.equal(listing.headers.get('cache-control'), 'no-store');
      const mine = (listing.body.invites as any[]).find((i) => i.id === r.body.id);
      assert.deepEqual(
        { ...mine, sub: undefined, created_at: undefined },
        {
          id: r.body.id,
          name: 'Ana Lyst',
          sub: undefined,
          state: 'unused',
          created_by: 'test-admin',
          ask: 'test-admin',
          created_at: undefined,
          expires_at: r.body.expires_at,
          used_at: null,
          token: null,
        },
      );
      assert.match(mine.sub, /^invite:ana-lyst\.[\w-]{6}$/);
      const twin = (listing.body.invites as any[]).find((i) => i.id === other.body.id);
      assert.notEqual(twin.sub, mine.sub, 'the same name twice: two users for the limits');
      assert.ok(!listing.text.includes(code.split('.')[1]), 'no code in the listing');
      assert.ok(!listing.text.includes(createHash('sha256').update(code).digest('hex')), 'nor its hash');
      const asked = await create({ name: 'Bo', from: '  Ravi (desk lead) ' });
      assert.equal((await list()).find((i) => i.id === asked.body.id).ask, 'Ravi (desk lead)');
    });

    it('validation: 400 with a message for a bad name, ttl or from; 415 without JSON; never past the caller’s token', async () => {
      for (const name of [undefined, '', '   ', 'x'.repeat(65), 42, 'a\u0000b', 'two\nlines']) {
        const r = await create({ name, ttl: '1h' });
        assert.equal(r.status, 400, `name ${JSON.stringify(name)}`);
        assert.match(r.body.message, /^name must be 1 to 64 characters/);
      }
      for (const ttl of ['soon', '0', '31d', -5, {}, '1.5h', '']) {
        const r = await create({ name: 'Cy', ttl });
        assert.equal(r.status, 400, `ttl ${JSON.stringify(ttl)}`);
        assert.match(r.body.message, /^ttl must be/);
      }
      for (const from of ['', 'x'.repeat(65), 7]) {
        const r = await create({ name: 'Cy', from });
        assert.equal(r.status, 400, `from ${JSON.stringify(from)}`);
        assert.match(r.body.message, /^from must be/);
      }
      assert.equal((await create({ name: 'x'.repeat(64), ttl: '30d' }, t.token('admin', '31d'))).status, 201);
      const short = t.token('admin', '10m');
      const long = await create({ name: 'Cy', ttl: '1h' }, short);
      assert.equal(long.status, 400);
      assert.match(long.body.message, /would outlive the token that creates the invite/);
      assert.equal((await create({ name: 'Cy', ttl: '5m' }, short)).status, 201);
      const text = await call('/api/admin/invites', {
        method: 'POST',
        token: admin,
        headers: { 'content-type': 'text/plain' },
        body: { name: 'Cy' },
      });
      assert.equal(text.status, 415);
    });

    it('opening: one exchange for an httpOnly viewer cookie of kind invite, ending with the invite; no-store', async () => {
      const made = (await create({ name: 'Desk One', ttl: '2h' })).body;
      const r = await redeem(codeOf(made.url));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const set = cookieOf(r.headers)!;
      assert.match(set, /; HttpOnly/);
      assert.match(set, /; SameSite=Lax/);
      assert.match(set, /; Path=\//);
      const maxAge = Number(/Max-Age=(\d+)/.exec(set)![1]);
      assert.ok(maxAge <= 7200 && maxAge >= 7190, `Max-Age ${maxAge}`);
      const jwt = claims(set.split(';')[0].slice('kr_session='.length));
      const invite = (await list()).find((i) => i.id === made.id);
      assert.deepEqual(r.body, { sub: invite.sub, role: 'viewer', expires_at: r.body.expires_at });
      assert.equal(jwt.role, 'viewer');
      assert.equal(jwt.sub, invite.sub);
      assert.ok(jwt.exp * 1000 <= Date.parse(made.expires_at), 'the token never outlives the invite');
      assert.ok(jwt.exp * 1000 >= Date.parse(made.expires_at) - 2000);
      assert.deepEqual(
        { state: invite.state, token: invite.token.id },
        { state: 'used', token: jwt.jti },
        'the listing shows it used, with its token',
      );
      assert.ok(Math.abs(Date.parse(invite.used_at) - Date.now()) < 10_000);

      const cookie = session(r);
      assert.equal((await call('/api/market/status', { headers: { cookie } })).status, 200);
      const me = await call('/api/auth/me', { headers: { cookie } });
      assert.deepEqual(me.body, { sub: invite.sub, role: 'viewer', expires_at: r.body.expires_at });
      assert.equal(me.headers.get('cache-control'), 'no-store');
      const tokens = (await call('/api/admin/tokens', { token: admin })).body.tokens as any[];
      assert.deepEqual(
        (({ sub, role, kind }) => ({ sub, role, kind }))(tokens.find((e) => e.id === jwt.jti)),
        { sub: invite.sub, role: 'viewer', kind: 'invite' },
      );

      // Its own user for the per-user limits (MAX_CONNECTIONS_PER_USER=2 here).
      const [a, b] = [t.client({ cookie }), t.client({ cookie })];
      await Promise.all([t.connected(a), t.connected(b)]);
      await assert.rejects(t.connected(t.client({ cookie })), /too_many_connections/);
      await t.connected(t.client({ token: admin }));
      const clients = (await call('/api/admin/clients', { token: admin })).body;
      const users = Object.values(clients.nodes as Record<string, any[]>)
        .flat()
        .map((c) => c.user);
      assert.equal(users.filter((u) => u === invite.sub).length, 2);

      const again = await redeem(codeOf(made.url));
      assert.equal(again.status, 410);
      assert.deepEqual(
        { reason: again.body.reason, ask: again.body.ask },
        { reason: 'used', ask: 'test-admin' },
      );
      assert.match(again.body.message, /already been used.*Ask test-admin for a new link\./);
      assert.equal(cookieOf(again.headers), undefined);
    });

    it('a viewer never learns the Kite user: status and health hide it from the invite cookie and viewer tokens', async () => {
      const made = (await create({ name: 'Watcher' })).body;
      const cookie = session(await redeem(codeOf(made.url)));
      for (const headers of [{ cookie }, { authorization: `Bearer ${t.token('viewer')}` }]) {
        for (const path of ['/api/auth/status', '/health', '/health/ready', '/api/auth/me']) {
          const r = await call(path, { headers });
          assert.equal(r.status, 200, path);
          for (const who of ['SIM001', 'Simulated Trader', 'user_id', 'user_name']) {
            assert.ok(!r.text.includes(who), `${path} tells a viewer ${who}`);
          }
        }
      }
      assert.equal(
        (await call('/api/auth/status', { token: admin })).body.user_id,
        'SIM001',
        'an admin sees it',
      );
    });

    it('401 anonymous and 403 for a viewer (a token or an invite cookie) on every admin route', async () => {
      const made = (await create({ name: 'Nosy' })).body;
      const cookie = session(await redeem(codeOf(made.url)));
      const viewer = t.token('viewer');
      const routes: [string, string, object?][] = [
        ['POST', '/api/admin/invites', { name: 'x' }],
        ['GET', '/api/admin/invites'],
        ['DELETE', `/api/admin/invites/${made.id}`],
        ['GET', '/api/admin/limits'],
        ['GET', '/api/admin/clients'],
        ['GET', '/api/admin/tokens'],
        ['POST', '/api/admin/tokens', { role: 'viewer' }],
        ['POST', '/api/admin/session', { access_token: 'abcdefgh1234' }],
        ['DELETE', '/api/admin/session'],
      ];
      for (const [method, path, body] of routes) {
        assert.equal((await call(path, { method, body })).status, 401, `${method} ${path} anonymous`);
        assert.equal(
          (await call(path, { method, body, token: viewer })).status,
          403,
          `${method} ${path} viewer`,
        );
        const r = await call(path, { method, body, headers: { cookie, origin: t.url } });
        assert.equal(r.status, 403, `${method} ${path} invite cookie`);
        assert.match(r.body.message, /the admin role is required/);
      }
      assert.equal((await call('/api/auth/me')).status, 401);
      assert.equal((await list()).find((i) => i.id === made.id)?.state, 'used', 'nothing was revoked');
      assert.equal((await call('/api/auth/status', { token: admin })).body.state, 'AUTHENTICATED');
    });

    it('two concurrent openings of one code: exactly one gets the cookie, the others are told it was used', async () => {
      for (let round = 0; round < 5; round++) {
        const made = (await create({ name: `Race ${round}` })).body;
        const answers = await Promise.all(Array.from({ length: 8 }, () => redeem(codeOf(made.url))));
        const ok = answers.filter((a) => a.status === 200);
        assert.equal(ok.length, 1, `round ${round}: ${answers.map((a) => a.status).join(',')}`);
        assert.ok(answers.every((a) => a.status === 200 || (a.status === 410 && a.body.reason === 'used')));
        assert.equal(answers.filter((a) => cookieOf(a.headers)).length, 1);
        const sub = (await list()).find((i) => i.id === made.id).sub;
        const tokens = (await call('/api/admin/tokens', { token: admin })).body.tokens as any[];
        assert.equal(tokens.filter((e) => e.sub === sub).length, 1, 'one token minted');
      }
    });

    it('expiry: a 1 s invite is refused as expired; a 2 s invite’s token and sockets end with it', async () => {
      const brief = (await create({ name: 'Brief', ttl: '1s' })).body;
      await waitFor(() => Date.now() > Date.parse(brief.expires_at) + 50, 'the invite to expire', 3000);
      const late = await redeem(codeOf(brief.url));
      assert.equal(late.status, 410);
      assert.equal(late.body.reason, 'expired');
      assert.match(late.body.message, /has expired\. Ask test-admin for a new link\./);
      assert.ok(!(await list()).some((i) => i.id === brief.id), 'an expired invite is not listed');
      assert.equal(
        (await call(`/api/admin/invites/${brief.id}`, { method: 'DELETE', token: admin })).status,
        404,
      );

      const short = (await create({ name: 'Short', ttl: '3s' })).body;
      const cookie = session(await redeem(codeOf(short.url)));
      const s = t.client({ cookie });
      await t.connected(s);
      const ended = await new Promise<number>((resolve) => s.once('disconnect', () => resolve(Date.now())));
      assert.ok(ended <= Date.parse(short.expires_at) + 1000, 'the socket ends with the invite');
      assert.equal((await call('/api/market/status', { headers: { cookie } })).status, 401);
    });

    it('revoke: an unused code is refused afterwards; a used one ends its token (401 at once, socket within 2 s)', async () => {
      const unused = (await create({ name: 'Never' })).body;
      const r = await call(`/api/admin/invites/${unused.id}`, { method: 'DELETE', token: admin });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      assert.deepEqual({ id: r.body.id, state: r.body.state }, { id: unused.id, state: 'revoked' });
      const refused = await redeem(codeOf(unused.url));
      assert.equal(refused.status, 410);
      assert.equal(refused.body.reason, 'revoked');
      assert.match(refused.body.message, /has been revoked\. Ask test-admin/);
      assert.ok(!(await list()).some((i) => i.id === unused.id));
      assert.equal(
        (await call(`/api/admin/invites/${unused.id}`, { method: 'DELETE', token: admin })).status,
        404,
      );
      for (const id of ['AAAAAAAAAAAAAAAAAAAAAA', 'nope', '..%2F..%2Fetc']) {
        assert.equal(
          (await call(`/api/admin/invites/${id}`, { method: 'DELETE', token: admin })).status,
          404,
        );
      }

      const used = (await create({ name: 'Leaver' })).body;
      const cookie = session(await redeem(codeOf(used.url)));
      const jti = claims(cookie.slice('kr_session='.length)).jti as string;
      const s = t.client({ cookie });
      await t.connected(s);
      let at = 0;
      const gone = new Promise<{ ms: number; reason: string }>((resolve) =>
        s.once('disconnect', (reason) => resolve({ ms: Date.now() - at, reason })),
      );
      at = Date.now();
      const revoked = await call(`/api/admin/invites/${used.id}`, { method: 'DELETE', token: admin });
      assert.equal(revoked.status, 200);
      assert.equal(revoked.body.state, 'revoked');
      assert.equal((await call('/api/market/status', { headers: { cookie } })).status, 401);
      const { ms, reason } = await gone;
      assert.ok(ms < 2000, `dropped ${ms} ms after the revocation`);
      assert.equal(reason, 'io server disconnect');
      const tokens = (await call('/api/admin/tokens', { token: admin })).body.tokens as any[];
      assert.ok(!tokens.some((e) => e.id === jti), 'its token is revoked');
      assert.equal((await redeem(codeOf(used.url))).body.reason, 'revoked');
    });

    it('a token revoked through the tokens API takes its used invite out of the list', async () => {
      const made = (await create({ name: 'Via tokens' })).body;
      const cookie = session(await redeem(codeOf(made.url)));
      const jti = claims(cookie.slice('kr_session='.length)).jti as string;
      assert.equal((await call(`/api/admin/tokens/${jti}`, { method: 'DELETE', token: admin })).status, 200);
      assert.ok(!(await list()).some((i) => i.id === made.id));
    });

    it('from another origin, without an Origin, or not as JSON: refused, and the code is not spent', async () => {
      const made = (await create({ name: 'Target' })).body;
      const code = codeOf(made.url);
      const other = t.url.replace(/:\d+$/, ':1');
      for (const origin of [other, 'null', 'https://evil.example']) {
        const r = await redeem(code, { origin });
        assert.equal(r.status, 403, origin);
        assert.equal(cookieOf(r.headers), undefined);
      }
      const bare = await call('/api/auth/invite', { method: 'POST', body: { code } });
      assert.equal(bare.status, 403, 'no Origin and no Sec-Fetch-Site: same-origin');
      for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
        const form = await t.http('/api/auth/invite', {
          method: 'POST',
          headers: { 'content-type': type, origin: t.url },
          body: `code=${code}`,
        });
        assert.equal(form.status, 415, type);
      }
      const same = await redeem(code, { origin: undefined, 'sec-fetch-site': 'same-origin' });
      assert.equal(same.status, 200, 'still usable');
    });

    it('a browser signed in as an admin gets 409 and the code stays usable for its invitee', async () => {
      const made = (await create({ name: 'Not me' })).body;
      const adminCookie = await t.login();
      const mine = await redeem(codeOf(made.url), { cookie: adminCookie });
      assert.equal(mine.status, 409);
      assert.match(mine.body.message, /private window or another browser/);
      assert.equal(cookieOf(mine.headers), undefined);
      assert.equal((await list()).find((i) => i.id === made.id).state, 'unused');
      assert.equal((await redeem(codeOf(made.url))).status, 200);
    });

    it('malformed or wrong codes: 410 unknown, never a 500; a wrong secret spends nothing', async () => {
      const made = (await create({ name: 'Real' })).body;
      const [id] = codeOf(made.url).split('.');
      for (const code of [
        undefined,
        '',
        'x',
        42,
        {},
        ['a'],
        `${id}.${'A'.repeat(43)}`,
        `${'B'.repeat(22)}.${'C'.repeat(43)}`,
      ]) {
        const r = await redeem(code);
        assert.equal(r.status, 410, JSON.stringify(code));
        assert.deepEqual({ reason: r.body.reason, ask: r.body.ask }, { reason: 'unknown', ask: null });
        assert.match(r.body.message, /not valid.*Ask the person who sent it to you/);
      }
      assert.equal((await redeem(codeOf(made.url))).status, 200);
    });

    it('the invite page: no inline script, not cached, under the CSP; its script is served', async () => {
      const page = await t.http('/invite');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.headers.get('cache-control'), 'no-store');
      assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(page.text), 'every script is a file');
      assert.ok(!/\sstyle=/.test(page.text));
      assert.match(page.text, /<script type="module" src="\/js\/invite\.js"><\/script>/);
      assert.equal((await t.http('/js/invite.js')).status, 200);
    });

    it('GET /api/admin/limits: the configured caps and the cache mode', async () => {
      const r = await call('/api/admin/limits', { token: admin });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        limits: Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k.toLowerCase(), Number(v)])),
        cache: { mode: redis ? 'redis' : 'memory', ttl_ms: 5000 },
      });
    });

    it('no code, secret or invite JWT in any log line', () => {
      assert.ok(codes.length >= 15 && jwts.length >= 10, `${codes.length} codes, ${jwts.length} JWTs`);
      for (const code of codes) assert.ok(!t.logText.includes(code.split('.')[1]), 'a code in the logs');
      for (const jwt of jwts) assert.ok(!t.logText.includes(jwt), 'a JWT in the logs');
      assert.match(t.logText, /invite [\w-]{22} for invite:ana-lyst\.[\w-]{6} created by test-admin/);
    });
  });
}

describe('invites in Redis: a dump holds no usable code; while Redis is down, 503 rather than memory', () => {
  it('only sha256 of each code is stored', async () => {
    const t = await TestApp.start();
    const r = new Redis(REDIS_URL);
    try {
      const made = (await t.post('/api/admin/invites', { name: 'Dumped' }, t.token('admin'))).body;
      const code = codeOf(made.url);
      const keys = await r.keys(`${t.cacheKeyPrefix}*`);
      assert.ok(keys.includes(`${t.cacheKeyPrefix}invite:${made.id}`));
      let dump = '';
      for (const k of keys) {
        const type = await r.type(k);
        if (type === 'hash') dump += JSON.stringify(await r.hgetall(k));
        else if (type === 'zset') dump += JSON.stringify(await r.zrange(k, 0, -1, 'WITHSCORES'));
        else if (type === 'string') dump += (await r.getBuffer(k))?.toString('latin1') ?? '';
      }
      assert.ok(!dump.includes(code.split('.')[1]), 'the secret is in Redis');
      const fields = await r.hgetall(`${t.cacheKeyPrefix}invite:${made.id}`);
      assert.equal(fields.hash, createHash('sha256').update(code).digest('hex'));
      assert.equal(fields.live, '1');
      const ttl = await r.pttl(`${t.cacheKeyPrefix}invite:${made.id}`);
      const expectedTtl = Date.parse(made.expires_at) + 7 * 86400_000 - Date.now();
      assert.ok(Math.abs(ttl - expectedTtl) < 5000, 'the record goes a week after the invite');
    } finally {
      r.disconnect();
      await t.close();
    }
  });

  it('Redis down: create, list, open and revoke answer 503 and spend nothing; back up, the code works once', async () => {
    // The node is cut from the shared Redis (which keeps its data), as in a network partition.
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 6379 });
    const t = await TestApp.start({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}` } });
    try {
      const admin = t.token('admin');
      const made = (await t.post('/api/admin/invites', { name: 'Patient' }, admin)).body;
      proxy.cut();
      await waitFor(() => !t.get(RedisClients).up, 'Redis to be seen down');
      const open = () =>
        t.http('/api/auth/invite', {
          method: 'POST',
          headers: { origin: t.url },
          body: JSON.stringify({ code: codeOf(made.url) }),
        });
      const down = [
        await t.post('/api/admin/invites', { name: 'Later' }, admin),
        await t.http('/api/admin/invites', { token: admin }),
        await open(),
        await t.http(`/api/admin/invites/${made.id}`, { method: 'DELETE', token: admin }),
      ];
      for (const r of down) {
        assert.equal(r.status, 503, r.text);
        assert.match(r.body.message, /Redis, which is not answering; try again/);
      }
      proxy.heal();
      await waitFor(() => t.get(RedisClients).up, 'Redis to answer again', 15_000);
      assert.equal((await open()).status, 200);
      assert.equal((await open()).body.reason, 'used');
    } finally {
      await t.close();
      await proxy.close();
    }
  });
});

describe('invites when PUBLIC_URL is https', () => {
  it('the link is on PUBLIC_URL and the viewer cookie follows the admin’s rules: __Host-, Secure, HttpOnly, Path=/', async () => {
    const t = await TestApp.start({ redis: false, env: { PUBLIC_URL: 'https://desk.example:8443' } });
    try {
      const made = (await t.post('/api/admin/invites', { name: 'Remote' }, t.token('admin'))).body;
      assert.match(made.url, /^https:\/\/desk\.example:8443\/invite#code=[\w-]{22}\.[\w-]{43}$/);
      const open = (origin: string) =>
        t.http('/api/auth/invite', {
          method: 'POST',
          headers: { origin },
          body: JSON.stringify({ code: codeOf(made.url) }),
        });
      assert.equal((await open(t.url)).status, 403, 'only PUBLIC_URL’s origin (or CORS_ORIGINS)');
      const r = await open('https://desk.example:8443');
      assert.equal(r.status, 200, r.text);
      const set = r.headers.getSetCookie().find((c) => c.startsWith('__Host-kr_session='))!;
      assert.match(set, /; Path=\/;.*; HttpOnly; Secure; SameSite=Lax$/);
      assert.doesNotMatch(set, /Domain=/i);
      const cookie = set.split(';')[0];
      assert.equal((await t.http('/api/auth/me', { headers: { cookie } })).body.role, 'viewer');
    } finally {
      await t.close();
    }
  });
});

describe('invites across two nodes on one Redis', () => {
  it('a code opens once across the nodes; a revocation on one drops the viewer’s socket on the other within 2 s', async () => {
    const a = await TestApp.start({ env: { NODE_ID: 'desk-a' } });
    const b = await TestApp.start({
      env: { NODE_ID: 'desk-b' },
      sim: a.sim,
      cacheKeyPrefix: a.cacheKeyPrefix,
    });
    try {
      const admin = a.token('admin', '1d');
      const open = (node: TestApp, url: string) =>
        node.http('/api/auth/invite', {
          method: 'POST',
          headers: { origin: node.url },
          body: JSON.stringify({ code: codeOf(url) }),
        });
      for (let round = 0; round < 3; round++) {
        const made = (await a.post('/api/admin/invites', { name: `Both ${round}` }, admin)).body;
        const answers = await Promise.all([
          open(a, made.url),
          open(b, made.url),
          open(a, made.url),
          open(b, made.url),
        ]);
        assert.equal(
          answers.filter((r) => r.status === 200).length,
          1,
          answers.map((r) => r.status).join(','),
        );
      }
      const made = (await a.post('/api/admin/invites', { name: 'On B' }, admin)).body;
      const opened = await open(b, made.url);
      assert.equal(opened.status, 200);
      const cookie = cookieOf(opened.headers)!.split(';')[0];
      const s = b.client({ cookie });
      await b.connected(s);
      const listed = (await a.http('/api/admin/invites', { token: admin })).body.invites as any[];
      assert.equal(listed.find((i) => i.id === made.id).state, 'used', 'node A sees the use on B');
      let at = 0;
      const gone = new Promise<number>((resolve) => s.once('disconnect', () => resolve(Date.now() - at)));
      at = Date.now();
      assert.equal(
        (await a.http(`/api/admin/invites/${made.id}`, { method: 'DELETE', token: admin })).status,
        200,
      );
      const ms = await gone;
      assert.ok(ms < 2000, `dropped on the other node ${ms} ms after the revocation`);
      assert.equal((await b.http('/api/market/status', { headers: { cookie } })).status, 401);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
