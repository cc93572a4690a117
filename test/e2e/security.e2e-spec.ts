import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { TestApp } from '../helpers/test-app.js';

const csp = (h: Headers) =>
  new Map(
    (h.get('content-security-policy') ?? '')
      .split(';')
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values] as [string, string[]];
      }),
  );

describe('security: headers, cross-origin changes, body types, anonymous status', () => {
  let t: TestApp;
  let cookie: string;
  before(async () => {
    t = await TestApp.start({ redis: false });
    cookie = await t.login();
  });
  after(async () => {
    await t.close();
  });

  it('every response carries the CSP (own scripts, styles and socket only; no framing) and the other headers', async () => {
    const answers = [
      await t.http('/'),
      await t.http('/js/main.js'),
      await t.http('/api/auth/status'),
      await t.http('/health/live'),
      await t.http('/api/market/status'),
      await t.http('/no/such/route'),
      await t.post('/api/admin/tokens', { role: 'viewer' }),
    ];
    assert.deepEqual(
      answers.map((a) => a.status),
      [200, 200, 200, 200, 401, 404, 401],
    );
    for (const { headers } of answers) {
      const policy = csp(headers);
      assert.deepEqual(policy.get('frame-ancestors'), ["'none'"]);
      assert.deepEqual(policy.get('script-src'), ["'self'"], 'no inline or foreign script');
      assert.deepEqual(policy.get('script-src-attr'), ["'none'"]);
      // Own stylesheets, and the chart library's logo style by its hash (no 'unsafe-inline').
      assert.deepEqual(policy.get('style-src')?.[0], "'self'");
      assert.match(policy.get('style-src')!.slice(1).join(' '), /^('sha256-[\w+/=]{44}')?$/);
      assert.deepEqual(policy.get('default-src'), ["'self'"]);
      assert.deepEqual(policy.get('object-src'), ["'none'"]);
      assert.deepEqual(policy.get('connect-src'), ["'self'", t.url.replace('http:', 'ws:')]);
      assert.equal(policy.has('upgrade-insecure-requests'), false, 'not on plain http');
      assert.equal(headers.get('x-frame-options'), 'DENY');
      assert.equal(headers.get('x-content-type-options'), 'nosniff');
      assert.equal(headers.get('referrer-policy'), 'no-referrer');
      assert.equal(headers.get('strict-transport-security'), null, 'HSTS only in production over https');
      assert.equal(headers.get('x-powered-by'), null);
    }
  });

  it("engine.io's own answers on /socket.io/ (polling handshake, a later poll, the websocket upgrade) carry the same security headers as the HTTP routes", async () => {
    const names = [
      'content-security-policy',
      'x-frame-options',
      'x-content-type-options',
      'referrer-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'origin-agent-cluster',
    ];
    const pick = (get: (n: string) => string | null | undefined) =>
      Object.fromEntries(names.map((n) => [n, get(n)]));
    const live = await t.http('/health/live');
    const http = pick((n) => live.headers.get(n));
    assert.equal(http['x-content-type-options'], 'nosniff');
    assert.ok(
      Object.values(http).every((v) => typeof v === 'string' && v.length > 0),
      JSON.stringify(http),
    );
    const handshake = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`);
    const open = await handshake.text();
    assert.equal(handshake.status, 200, open);
    assert.deepEqual(
      pick((n) => handshake.headers.get(n)),
      http,
      'the handshake',
    );
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const poll = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST',
      body: '40/market,',
    });
    assert.equal(poll.status, 200);
    assert.deepEqual(
      pick((n) => poll.headers.get(n)),
      http,
      'a later request of the session',
    );
    const upgrade = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      const ws = new WebSocket(`${t.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      ws.once('upgrade', (res) => {
        resolve(res.headers);
        ws.close();
      });
      ws.once('error', reject);
    });
    assert.deepEqual(
      pick((n) => upgrade[n] as string | undefined),
      http,
      'the websocket upgrade',
    );
  });

  it('a same-site page on another port cannot use the admin cookie (Origin checked, 403); the own origin can', async () => {
    const other = t.url.replace(/:\d+$/, ':1');
    const post = (headers: Record<string, string>) =>
      t.http('/api/admin/tokens', {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ role: 'admin', ttl: '1h' }),
      });
    for (const headers of <Record<string, string>[]>[
      { origin: other },
      { origin: other.replace('127.0.0.1', 'localhost') },
      { origin: 'null' },
      { 'sec-fetch-site': 'same-site' },
      {},
    ]) {
      const r = await post(headers);
      assert.equal(r.status, 403, JSON.stringify(headers));
      assert.match(r.body.message, /cross-origin request refused/);
      assert.ok(!r.text.includes('eyJ'), 'no token minted');
    }
    const logout = await t.http('/api/admin/session', {
      method: 'DELETE',
      headers: { cookie, origin: other },
    });
    assert.equal(logout.status, 403);
    assert.equal((await t.http('/api/auth/status', { headers: { cookie } })).body.state, 'AUTHENTICATED');
    assert.equal((await post({ origin: t.url })).status, 201);
    assert.equal((await post({ 'sec-fetch-site': 'same-origin' })).status, 201);
    // A bearer token cannot be sent by another origin's page: no Origin needed.
    assert.equal((await t.post('/api/admin/tokens', { role: 'viewer' }, t.token('admin'))).status, 201);
    // Safe methods with the cookie are not affected.
    assert.equal((await t.http('/api/market/status', { headers: { cookie, origin: other } })).status, 200);
  });

  it('admin routes take JSON bodies only: urlencoded, text and no body get 415', async () => {
    const admin = t.token('admin');
    const send = (type: string | undefined, body: string | undefined) =>
      t.http('/api/admin/tokens', {
        method: 'POST',
        token: admin,
        headers: type ? { 'content-type': type } : {},
        body,
      });
    const form = await send('application/x-www-form-urlencoded', 'role=admin&ttl=1h');
    assert.equal(form.status, 415);
    assert.match(form.body.message, /JSON/);
    assert.equal((await send('text/plain', '{"role":"admin"}')).status, 415);
    assert.equal((await send('multipart/form-data; boundary=x', '--x--')).status, 415);
    assert.equal((await send(undefined, undefined)).status, 415);
    assert.equal((await send('application/json; charset=utf-8', '{"role":"viewer"}')).status, 201);
    const session = await t.http('/api/admin/session', {
      method: 'POST',
      token: admin,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'access_token=abcdefgh1234',
    });
    assert.equal(session.status, 415);
  });

  it('answers that carry a token or start a login are never cached', async () => {
    const login = await fetch(`${t.url}/api/auth/kite/login`, { redirect: 'manual' });
    assert.equal(login.headers.get('cache-control'), 'no-store');
    const state = login.headers
      .getSetCookie()
      .find((c) => c.startsWith('kr_login_state='))!
      .split(';')[0];
    const kite = await fetch(login.headers.get('location')!, { redirect: 'manual' });
    const page = await fetch(kite.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: state },
    });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.ok(page.headers.getSetCookie().some((c) => c.startsWith('kr_session=')));
    const html = await page.text();
    assert.ok(
      !/<script>|<script [^>]*>[^<]+/.test(html.replace(/<script type="application\/json"[^>]*>[^<]*/, '')),
    );
    assert.match(html, /<script type="module" src="\/js\/login-result\.js"><\/script>/);
    assert.equal((await t.http('/js/login-result.js')).status, 200);
    const minted = await t.post('/api/admin/tokens', { role: 'viewer' }, t.token('admin'));
    assert.equal(minted.headers.get('cache-control'), 'no-store');
  });

  it('anonymous and viewer /api/auth/status, /health and /health/ready give the state, not who is logged in', async () => {
    const viewer = t.token('viewer');
    for (const path of ['/api/auth/status', '/health', '/health/ready']) {
      for (const token of [undefined, viewer]) {
        const r = await t.http(path, { token });
        assert.equal(r.status, 200, path);
        assert.match(r.text, /AUTHENTICATED/, path);
        for (const who of ['SIM001', 'Simulated Trader', 'user_id', 'user_name', 'login_time']) {
          assert.ok(!r.text.includes(who), `${path} tells ${who} ${token ? 'to a viewer' : 'anonymously'}`);
        }
      }
      const full = await t.http(path, { token: t.token('admin') });
      assert.ok(full.text.includes('SIM001'), `${path} with an admin token`);
    }
    const status = await t.http('/api/auth/status');
    assert.deepEqual(Object.keys(status.body).sort(), ['expires_at', 'state']);
    const withCookie = await t.http('/api/auth/status', { headers: { cookie } });
    assert.equal(withCookie.body.user_name, 'Simulated Trader');
    const forged = await t.http('/api/auth/status', { token: viewer.slice(0, -3) + 'AAA' });
    assert.equal(forged.body.user_id, undefined, 'a forged token is anonymous');
  });
});

describe('security: __Host- cookies when PUBLIC_URL is https', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start({ redis: false, env: { PUBLIC_URL: 'https://localhost:8443' } });
  });
  after(async () => {
    await t.close();
  });

  it('the login state and session cookies are __Host- (Secure, Path=/, no Domain), and the socket reads the same name', async () => {
    const login = await fetch(`${t.url}/api/auth/kite/login`, { redirect: 'manual' });
    const state = login.headers.getSetCookie().find((c) => c.startsWith('__Host-kr_login_state='))!;
    assert.match(state, /; Path=\/;/);
    assert.match(state, /; Secure/);
    assert.match(state, /; HttpOnly/);
    assert.doesNotMatch(state, /Domain=/i);
    const kite = await fetch(login.headers.get('location')!, { redirect: 'manual' });
    const back = await fetch(kite.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: state.split(';')[0] },
    });
    assert.equal(back.status, 200, await back.clone().text());
    const setCookies = back.headers.getSetCookie();
    const session = setCookies.find((c) => c.startsWith('__Host-kr_session='))!;
    assert.match(session, /; Path=\/;.*; HttpOnly; Secure; SameSite=Lax$/);
    assert.ok(
      setCookies.some((c) => /^__Host-kr_login_state=;.*Path=\/;/.test(c)),
      'state cookie cleared',
    );
    const cookie = session.split(';')[0];
    assert.equal((await t.http('/api/market/status', { headers: { cookie } })).status, 200);
    const plain = cookie.replace('__Host-', '');
    assert.equal((await t.http('/api/market/status', { headers: { cookie: plain } })).status, 401);
    const s = t.client({ cookie });
    await t.connected(s);
    await assert.rejects(t.connected(t.client({ cookie: plain })), /unauthorized/);
    const hsts = (await t.http('/health/live')).headers.get('strict-transport-security');
    assert.equal(hsts, null, 'HSTS only in production');
    assert.ok(csp((await t.http('/')).headers).has('upgrade-insecure-requests'));
  });
});

describe('security: TRUST_PROXY decides whose address the per-address limits see', () => {
  const burst = async (t: TestApp, n: number) => {
    const codes: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await fetch(`${t.url}/api/auth/kite/login`, {
        redirect: 'manual',
        headers: { 'x-forwarded-for': `10.9.${i >> 8}.${i & 255}` },
      });
      codes.push(r.status);
    }
    return codes;
  };

  it('TRUST_PROXY=false: a client cannot pick a fresh bucket with X-Forwarded-For (the 31st login is 429)', async () => {
    const t = await TestApp.start({ redis: false, env: { TRUST_PROXY: 'false' } });
    try {
      const codes = await burst(t, 31);
      assert.deepEqual(codes.slice(0, 30), Array<number>(30).fill(302));
      assert.equal(codes[30], 429);
    } finally {
      await t.close();
    }
  });

  it('outside development the default believes nobody, not even loopback (the 31st login is 429)', async () => {
    const t = await TestApp.start({ redis: false, env: { TRUST_PROXY: undefined } });
    try {
      assert.deepEqual(t.config.trustProxy, false);
      const codes = await burst(t, 31);
      assert.deepEqual(codes.slice(0, 30), Array<number>(30).fill(302));
      assert.equal(codes[30], 429);
    } finally {
      await t.close();
    }
  });

  it('TRUST_PROXY=loopback takes the forwarded address from a proxy on this host', async () => {
    const t = await TestApp.start({ redis: false, env: { TRUST_PROXY: 'loopback' } });
    try {
      assert.deepEqual(await burst(t, 35), Array<number>(35).fill(302));
    } finally {
      await t.close();
    }
  });
});
