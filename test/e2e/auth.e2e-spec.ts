import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KiteSessionService } from '../../src/auth/kite-session.service.js';
import { RelayEvents } from '../../src/events/relay-events.js';
import { Redis } from 'ioredis';
import { FakeClock } from '../../src/clock/clock.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { REDIS_URL, TestApp, TEST_JWT_SECRET, TEST_SESSION_KEY } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

describe('auth: Kite login flow, session lifecycle, JWT clients', () => {
  let t: TestApp;
  const bodies: string[] = [];
  const record = <R extends { text: string }>(r: R) => (bodies.push(r.text), r);
  before(async () => {
    t = await TestApp.start();
  });
  after(async () => {
    await t.close();
  });

  it('the browser flow followed through its redirects ends AUTHENTICATED with a session cookie', async () => {
    const cookie = await t.login();
    assert.match(cookie, /^kr_session=ey/);
    const status = record(await t.http('/api/auth/status', { headers: { cookie } }));
    assert.equal(status.body.state, 'AUTHENTICATED');
    assert.equal(status.body.user_id, 'SIM001');
    assert.match(status.body.expires_at, /T06:00:00\.000\+05:30$/);
    const me = record(await t.http('/api/market/status', { headers: { cookie } }));
    assert.equal(me.status, 200);
  });

  it('the login redirect carries api_key and a state bound to an httpOnly cookie', async () => {
    const r = await fetch(`${t.url}/api/auth/kite/login`, { redirect: 'manual' });
    assert.equal(r.status, 302);
    const loc = new URL(r.headers.get('location')!);
    assert.equal(loc.searchParams.get('api_key'), t.config.kite.apiKey);
    assert.equal(loc.searchParams.get('v'), '3');
    const state = /^state=(.+)$/.exec(loc.searchParams.get('redirect_params')!)![1];
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('kr_login_state='))!;
    assert.ok(cookie.includes(state));
    assert.match(cookie, /HttpOnly/i);
  });

  it('a wrong or missing state is refused with 400 and changes nothing', async () => {
    const before = (await t.http('/api/auth/status')).body;
    const start = await fetch(`${t.url}/api/auth/kite/login`, { redirect: 'manual' });
    const kite = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const cb = new URL(kite.headers.get('location')!);
    const wrong = await fetch(cb, {
      redirect: 'manual',
      headers: { cookie: 'kr_login_state=somethingelse' },
    });
    assert.equal(wrong.status, 400);
    cb.searchParams.delete('state');
    const missing = await fetch(cb, { redirect: 'manual' });
    assert.equal(missing.status, 400);
    assert.equal(
      wrong.headers.getSetCookie().some((c) => c.startsWith('kr_session=')),
      false,
    );
    assert.deepEqual((await t.http('/api/auth/status')).body, before);
  });

  it('401 without credentials, 401 with a forged token, 403 with the wrong role', async () => {
    assert.equal((await t.http('/api/market/status')).status, 401);
    const forged = t.token('admin').slice(0, -4) + 'AAAA';
    assert.equal((await t.http('/api/market/status', { token: forged })).status, 401);
    const viewer = t.token('viewer');
    assert.equal((await t.http('/api/market/status', { token: viewer })).status, 200);
    const r = record(await t.post('/api/admin/tokens', { role: 'viewer' }, viewer));
    assert.equal(r.status, 403);
    assert.deepEqual(Object.keys(r.body).sort(), ['error', 'message', 'statusCode']);
  });

  it('an admin mints a viewer token that works and expires by its ttl', async () => {
    const r = record(await t.post('/api/admin/tokens', { role: 'viewer', ttl: '1h' }, t.token('admin')));
    assert.equal(r.status, 201);
    assert.equal(r.body.expires_in, 3600);
    assert.equal((await t.http('/api/market/status', { token: r.body.token })).status, 200);
  });

  it('`npm run token` mints JWTs the running app accepts, with the role asked for, and refuses bad input', async () => {
    const cli = fileURLToPath(new URL('../../src/auth/token-cli.js', import.meta.url));
    // Not spawnSync: blocking this process (the app's too) past its 5 s keep-alive made the next
    // request reuse a socket the server closes at once (ECONNRESET on a busy machine).
    const run = (args: string[], env: Record<string, string> = { JWT_SECRET: TEST_JWT_SECRET }) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const options = { env: { PATH: process.env.PATH, NODE_ENV: 'development', ...env } };
        execFile(process.execPath, [cli, ...args], options, (err, stdout, stderr) => {
          resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
        });
      });
    const viewer = await run(['--role', 'viewer', '--ttl', '10m']);
    assert.equal(viewer.status, 0, viewer.stderr);
    const viewerToken = viewer.stdout.trim();
    // The id (for revocation) and expiry on stderr; the token alone on stdout.
    const [, id, expires] = /^id=([\w-]{22}) expires=(\S+)$/m.exec(viewer.stderr)!;
    const claims = JSON.parse(Buffer.from(viewerToken.split('.')[1], 'base64url').toString());
    assert.equal(claims.jti, id);
    assert.equal(Date.parse(expires), claims.exp * 1000);
    assert.ok(Math.abs(claims.exp - claims.iat - 600) <= 1);
    assert.equal((await t.http('/api/market/status', { token: viewerToken })).status, 200);
    const asViewer = await t.post('/api/admin/tokens', { role: 'viewer' }, viewerToken);
    assert.equal(asViewer.status, 403);
    const admin = await run(['--role', 'admin']);
    assert.equal(admin.status, 0, admin.stderr);
    const minted = await t.post('/api/admin/tokens', { role: 'viewer' }, admin.stdout.trim());
    assert.equal(minted.status, 201);
    const s = t.client({ token: viewerToken });
    await t.connected(s);

    const otherSecret = await run([], { JWT_SECRET: 'another-secret-0123456789abcdef0123456789' });
    assert.equal((await t.http('/api/market/status', { token: otherSecret.stdout.trim() })).status, 401);
    const noSecret = await run([], {});
    assert.equal(noSecret.status, 78);
    assert.match(noSecret.stderr, /JWT_SECRET is not set/);
    assert.equal(noSecret.stdout, '');
    const badRole = await run(['--role', 'root']);
    assert.equal(badRole.status, 64);
    assert.match(badRole.stderr, /--role must be viewer or admin/);
    const badTtl = await run(['--ttl', 'forever']);
    assert.equal(badTtl.status, 64);
    assert.match(badTtl.stderr, /--ttl must be a positive duration/);
  });

  it('a manual token is validated: a bad one is refused with a clear message, a good one installed', async () => {
    const admin = t.token('admin');
    const bad = record(await t.post('/api/admin/session', { access_token: 'notarealtoken123' }, admin));
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /rejected the access token/);
    // Two independent subscribers: a token change reaches each exactly once; the refusal reached none.
    const seen: [string[], string[]] = [[], []];
    const events = t.get(RelayEvents);
    const offs = seen.flatMap((list) =>
      (['session.changed', 'session.expired', 'session.cleared'] as const).map((name) =>
        events.on(name, () => list.push(name)),
      ),
    );
    const good = record(
      await t.post('/api/admin/session', { access_token: t.sim.issueAccessToken() }, admin),
    );
    assert.equal(good.status, 200);
    assert.equal(good.body.state, 'AUTHENTICATED');
    assert.equal(good.body.access_token, undefined);
    for (const off of offs) off();
    for (const list of seen) assert.deepEqual(list, ['session.changed']);
  });

  it('/__sim/expire plus any Kite call leads to EXPIRED', async () => {
    await t.login();
    await t.simControl('expire');
    const q = record(await t.http('/api/quotes?i=NSE:TCS', { token: t.token('viewer') }));
    assert.equal(q.status, 503);
    await waitFor(async () => (await t.http('/api/auth/status')).body.state === 'EXPIRED', 'EXPIRED');
  });

  it('logout clears the session and the stored copy', async () => {
    await t.login();
    const r = record(await t.http('/api/admin/session', { method: 'DELETE', token: t.token('admin') }));
    assert.equal(r.body.state, 'UNAUTHENTICATED');
  });

  it('the access token, API secret and JWT secret never appear in a response or a log line', async () => {
    await t.login();
    const secrets = [
      t.get(KiteSessionService).current!.accessToken,
      t.config.kite.apiSecret,
      TEST_JWT_SECRET,
      TEST_SESSION_KEY,
    ];
    const everything = bodies.join('\n') + '\n' + t.logText;
    assert.ok(t.logs.length > 10, 'logs were captured');
    for (const s of secrets) assert.ok(!everything.includes(s), 'a secret leaked');
    assert.ok(!/request_token=[0-9a-f]{6,}/.test(t.logText), 'a request token leaked into the logs');
    assert.ok(!/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]+/.test(t.logText), 'a JWT leaked into the logs');
  });
});

describe('auth: persistence and expiry', () => {
  it('a restart restores the session from Redis', async () => {
    const a = await TestApp.start();
    await a.login();
    const sim = a.sim;
    a.ownsSim = false;
    await a.close();
    const b = await TestApp.start({ sim, cacheKeyPrefix: a.cacheKeyPrefix });
    try {
      assert.equal((await b.http('/api/auth/status')).body.state, 'AUTHENTICATED');
    } finally {
      b.ownsSim = true;
      await b.close();
    }
  });

  it('the fake clock passing 06:00 IST expires the session and emits once', async () => {
    const clock = new FakeClock('2026-12-01T20:00:00+05:30');
    const t = await TestApp.start({ clock });
    try {
      await t.login();
      const events: string[] = [];
      t.get(RelayEvents).on('session.expired', (e) => events.push(`expired: ${e.reason}`));
      clock.set('2026-12-02T05:59:59.999+05:30');
      assert.equal(t.get(KiteSessionService).state, 'AUTHENTICATED');
      clock.advance(1);
      assert.equal(t.get(KiteSessionService).state, 'EXPIRED');
      clock.advance(3_600_000);
      assert.deepEqual(events, ['expired: daily expiry at 06:00 IST']);
    } finally {
      await t.close();
    }
  });

  it('a user id outside ALLOWED_KITE_USER_IDS is refused', async () => {
    const t = await TestApp.start({ env: { ALLOWED_KITE_USER_IDS: 'AB1234' } });
    try {
      await assert.rejects(t.login(), /403/);
      assert.equal((await t.http('/api/auth/status')).body.state, 'UNAUTHENTICATED');
    } finally {
      await t.close();
    }
  });
});

describe('auth: POST /api/admin/session with a request token, the stored session, metrics', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start();
  });
  after(async () => {
    await t.close();
  });

  it('{request_token} is exchanged with the checksum by the gateway; exactly one of the two fields', async () => {
    const admin = t.token('admin');
    const good = await t.post('/api/admin/session', { request_token: await requestToken(t) }, admin);
    assert.equal(good.status, 200, good.text);
    assert.equal(good.body.state, 'AUTHENTICATED');
    assert.equal(good.body.user_id, 'SIM001');
    assert.equal(good.headers.get('cache-control'), 'no-store');
    const spent = await t.post('/api/admin/session', { request_token: 'a1b2c3d4e5f6' }, admin);
    assert.equal(spent.status, 400);
    assert.match(spent.body.message, /Kite refused the login/);
    for (const body of [{}, { access_token: 'abcdefgh12', request_token: 'abcdef123' }]) {
      const r = await t.post('/api/admin/session', body, admin);
      assert.equal(r.status, 400);
      assert.match(r.body.message, /exactly one of access_token or request_token/);
    }
    const odd = await t.post('/api/admin/session', { request_token: '<script>' }, admin);
    assert.equal(odd.status, 400);
    assert.match(odd.body.message, /request_token must be the token string/);
  });

  it('the stored session key in Redis expires with the session (06:00 IST)', async () => {
    await t.login();
    const session = t.get(KiteSessionService).current!;
    const redis = new Redis(REDIS_URL);
    try {
      const key = `${t.cacheKeyPrefix}session`;
      const ttl = await redis.pttl(key);
      const left = session.expiresAt - Date.now();
      assert.ok(ttl > 0, `the key has a TTL (${ttl})`);
      assert.ok(Math.abs(ttl - left) < 5000, `TTL ${ttl} ms against ${left} ms left`);
      assert.ok(!(await redis.get(key))!.includes(session.accessToken), 'stored sealed');
    } finally {
      redis.disconnect();
    }
  });

  it('session_state, session_expires_at_seconds and kite_requests_total{call,outcome} follow the session', async () => {
    await t.login();
    const expiresAt = t.get(KiteSessionService).current!.expiresAt;
    await t.post('/api/admin/session', { access_token: 'notarealtoken123' }, t.token('admin'));
    let text = (await t.http('/metrics')).text;
    const value = (line: string) => Number(new RegExp(`^kite_relay_${line} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('session_state{state="AUTHENTICATED"}'), 1);
    assert.equal(value('session_state{state="EXPIRED"}'), 0);
    assert.equal(value('session_state{state="UNAUTHENTICATED"}'), 0);
    assert.equal(value('session_expires_at_seconds'), expiresAt / 1000);
    assert.ok(value('kite_requests_total{call="session",outcome="ok"}') >= 1);
    assert.ok(value('kite_requests_total{call="profile",outcome="token_error"}') >= 1);
    await t.http('/api/admin/session', { method: 'DELETE', token: t.token('admin') });
    text = (await t.http('/metrics')).text;
    assert.equal(value('session_state{state="UNAUTHENTICATED"}'), 1);
    assert.equal(value('session_state{state="AUTHENTICATED"}'), 0);
    assert.equal(value('session_expires_at_seconds'), 0);
    assert.ok(value('kite_requests_total{call="logout",outcome="ok"}') >= 1);
  });
});

describe('auth: ALLOWED_KITE_USER_IDS at every way a session enters', () => {
  const outsider = { ALLOWED_KITE_USER_IDS: 'AB1234' };
  const kiteKnows = async (t: TestApp, accessToken: string) =>
    (
      await fetch(`${t.sim.urls.apiRoot}/user/profile`, {
        headers: { Authorization: `token ${t.config.kite.apiKey}:${accessToken}`, 'X-Kite-Version': '3' },
      })
    ).status === 200;

  it('POST /api/admin/session refuses a user outside the list, by access token and by request token', async () => {
    const t = await TestApp.start({ env: outsider, redis: false });
    try {
      const admin = t.token('admin');
      const token = t.sim.issueAccessToken();
      const byToken = await t.post('/api/admin/session', { access_token: token }, admin);
      assert.equal(byToken.status, 400);
      assert.match(byToken.body.message, /SIM001 is not allowed to log in here/);
      assert.equal(await kiteKnows(t, token), false, 'the refused token is invalidated at Kite');
      const byRequest = await t.post('/api/admin/session', { request_token: await requestToken(t) }, admin);
      assert.equal(byRequest.status, 400);
      assert.match(byRequest.body.message, /not allowed/);
      assert.equal((await t.http('/api/auth/status', { token: admin })).body.state, 'UNAUTHENTICATED');
    } finally {
      await t.close();
    }
  });

  it('KITE_ACCESS_TOKEN of a user outside the list is refused at boot; one inside is installed', async () => {
    const sim = await new KiteSimulator({ ticksPerSecond: 50 }).start();
    try {
      const refused = await TestApp.start({
        sim,
        redis: false,
        env: { ...outsider, KITE_ACCESS_TOKEN: sim.issueAccessToken() },
      });
      try {
        assert.equal((await refused.http('/api/auth/status')).body.state, 'UNAUTHENTICATED');
        assert.match(refused.logText, /KITE_ACCESS_TOKEN was refused: .*not allowed/);
      } finally {
        await refused.close();
      }
      const allowed = await TestApp.start({
        sim,
        redis: false,
        env: { ALLOWED_KITE_USER_IDS: 'sim001', KITE_ACCESS_TOKEN: sim.issueAccessToken() },
      });
      try {
        assert.equal((await allowed.http('/api/auth/status')).body.state, 'AUTHENTICATED');
      } finally {
        await allowed.close();
      }
    } finally {
      await sim.stop();
    }
  });

  it('a session stored in Redis by a user outside the list is neither restored nor followed, and is deleted', async () => {
    const a = await TestApp.start();
    const sim = a.sim;
    a.ownsSim = false;
    const redis = new Redis(REDIS_URL);
    try {
      await a.login();
      const key = `${a.cacheKeyPrefix}session`;
      // Another node of the same deployment, with the list, hears of the session (cluster notice).
      const b = await TestApp.start({ sim, cacheKeyPrefix: a.cacheKeyPrefix, env: outsider });
      try {
        assert.equal((await b.http('/api/auth/status')).body.state, 'UNAUTHENTICATED', 'not restored');
        assert.equal(await redis.exists(key), 0, 'the refused stored session is deleted');
        sim.redirectUrl = `${a.url}/api/auth/kite/callback`; // b's boot pointed it at b
        await a.login();
        assert.equal(await redis.exists(key), 1);
        await b.get(KiteSessionService).followRemote('changed', 'node-a');
        assert.equal(b.get(KiteSessionService).state, 'UNAUTHENTICATED', 'not followed');
      } finally {
        await b.close();
      }
    } finally {
      redis.disconnect();
      await a.close();
      await sim.stop();
    }
  });
});

/** A fresh request token from the simulator's login page (what Kite's redirect carries). */
async function requestToken(t: TestApp): Promise<string> {
  const url = new URL(t.config.kite.loginUrl);
  url.searchParams.set('v', '3');
  url.searchParams.set('api_key', t.config.kite.apiKey);
  const r = await fetch(url, { redirect: 'manual' });
  return new URL(r.headers.get('location')!).searchParams.get('request_token')!;
}
