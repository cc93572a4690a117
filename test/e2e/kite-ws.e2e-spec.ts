import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TokenService } from '../../src/auth/token.service.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { KiteWsServer } from '../../src/kite-compat/kite-ws.server.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { TestApp } from '../helpers/test-app.js';
import { KiteWsProbe, kiteWsUrl } from '../helpers/kite-ws-client.js';
import { waitFor } from '../helpers/wait.js';

const INFY = 408065;
const TCS = 2953217;
const NIFTY = 256265;

/** The sum of every series of a metric, read from /metrics. */
async function metricSum(t: TestApp, name: string, label = ''): Promise<number> {
  const text = (await t.http('/metrics')).text;
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) {
    if (!label || (m[1] ?? '').includes(label)) sum += Number(m[2]);
  }
  return sum;
}

/** The longest wait between two frames (or from `from` to the first) in [from, to]. */
function longestGap(p: KiteWsProbe, from: number, to: number): number {
  let last = from;
  let gap = 0;
  for (const { at } of p.frames) {
    if (at < from || at > to) continue;
    gap = Math.max(gap, at - last);
    last = at;
  }
  return Math.max(gap, to - last);
}

describe('kite-ws: the Kite ticker protocol at /kite/ws (raw ws)', () => {
  let t: TestApp;
  let n = 0;
  const probes: KiteWsProbe[] = [];
  /** A token of its own user per test, so that per-user limits of one test do not touch another. */
  const mint = (extra = {}, role: 'viewer' | 'admin' = 'viewer', ttl = '1h') =>
    t.get(TokenService).mint(`kite-bot-${++n}`, role, ttl, 'api', extra);
  const probe = (token?: string, path?: string, headers?: Record<string, string>) => {
    const p = new KiteWsProbe(kiteWsUrl(t.url, token, path), headers);
    probes.push(p);
    return p;
  };
  const connected = async (token = mint().token) => {
    const p = probe(token);
    assert.equal(await p.opened, 101);
    return p;
  };

  before(async () => {
    t = await TestApp.start({ env: { MAX_UNAUTHENTICATED_PER_ADDRESS: '3' } });
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > 1000, 'instrument master');
  });
  after(async () => {
    for (const p of probes) p.close();
    await t.close();
  });

  it('as pykiteconnect and gokiteconnect connect (KITE.md): their URLs and header, quote by default, error data a string, their re-subscribe after a reconnect', async () => {
    const token = mint().token;
    const root = `${t.url.replace(/^http/, 'ws')}/kite/ws`;
    // pykiteconnect: "{root}?api_key=…&access_token=…", not URL-encoded, with X-Kite-Version: 3.
    const pyUrl = `${root}?api_key=kitefront&access_token=${token}`;
    const py = new KiteWsProbe(pyUrl, { 'X-Kite-Version': '3' });
    // gokiteconnect: SetRootURL's path, the query from url.Values.Encode() (keys in order).
    const goUrl = new URL(root);
    goUrl.search = new URLSearchParams({ access_token: token, api_key: 'kitefront' }).toString();
    const go = new KiteWsProbe(goUrl.toString());
    probes.push(py, go);
    assert.deepEqual(await Promise.all([py.opened, go.opened]), [101, 101]);
    for (const c of [py, go]) c.send({ a: 'subscribe', v: [INFY, NIFTY] });
    await waitFor(
      () => [py, go].every((c) => c.lengthsOf(INFY).size > 0 && c.lengthsOf(NIFTY).size > 0),
      'ticks',
    );
    for (const c of [py, go]) {
      // Both start in quote: 44 bytes for a stock, 28 for an index (what their parsers branch on).
      assert.deepEqual([...c.lengthsOf(INFY)], [44]);
      assert.deepEqual([...c.lengthsOf(NIFTY)], [28]);
      c.send({ a: 'subscribe', v: 'not a list' });
    }
    await waitFor(() => [py, go].every((c) => c.texts.some((m) => m.type === 'error')), 'error frames');
    // gokiteconnect reads `data` with an unchecked string assertion.
    for (const c of [py, go]) {
      assert.ok(c.texts.every((m) => m.type !== 'error' || typeof m.data === 'string'));
    }

    // pykiteconnect reconnects and re-subscribes by itself: subscribe (a new one starts in quote), then mode.
    py.close();
    const again = new KiteWsProbe(pyUrl, { 'X-Kite-Version': '3' });
    probes.push(again);
    assert.equal(await again.opened, 101);
    again.send({ a: 'subscribe', v: [INFY] });
    again.send({ a: 'mode', v: ['full', [INFY]] });
    await waitFor(() => again.lengthsOf(INFY).has(184), 'full packets after the re-subscribe');
    const last = again.dataFrames().at(-1)!;
    assert.deepEqual(last.packets, [[INFY, 184]], 'only what this connection asked for, in its mode');
  });

  it('refuses a missing, forged, expired or revoked token with 403 at the upgrade; accepts with or without a trailing slash', async () => {
    // Each from an address of its own: a refused token counts toward its address's cap for a while.
    let address = 0;
    const from = () => ({ 'x-forwarded-for': `10.60.0.${++address}` });
    assert.equal(await probe(undefined, undefined, from()).opened, 403);
    assert.equal(await probe(mint().token.slice(0, -3) + 'abc', undefined, from()).opened, 403);
    const expired = mint({}, 'viewer', '1s');
    await waitFor(() => Date.now() > expired.expiresAt + 50, 'the token to expire', 3000);
    assert.equal(await probe(expired.token, undefined, from()).opened, 403);
    const revoked = mint();
    await revoked.stored;
    const admin = t.token('admin');
    assert.equal(
      (await t.http(`/api/admin/tokens/${revoked.id}`, { method: 'DELETE', token: admin })).status,
      200,
    );
    assert.equal(await probe(revoked.token, undefined, from()).opened, 403);
    assert.equal(await probe(mint().token, '/kite/ws/').opened, 101);
    assert.equal(await probe(mint().token).opened, 101);
    assert.ok(!t.logText.includes(revoked.token), 'the token never reaches the logs');
    // Socket.IO's own upgrades are left alone.
    const s = t.client({ token: t.token() });
    await t.connected(s);
    s.disconnect();
  });

  it('refuses with 429 past the per-user connection limit and past the per-address limit', async () => {
    const one = mint({ limits: { max_connections: 1 } });
    const first = await connected(one.token);
    assert.equal(await probe(one.token).opened, 429);
    first.close();
    await waitFor(async () => (await probe(one.token).opened) === 101, 'the place given back');
    // Three engine.io connections that never join /market fill MAX_UNAUTHENTICATED_PER_ADDRESS (3).
    const base = t.url.replace(/^http/, 'ws');
    const raw = [0, 1, 2].map(() => new WebSocket(`${base}/socket.io/?EIO=4&transport=websocket`));
    await Promise.all(raw.map((w) => new Promise((r) => w.once('open', r))));
    try {
      assert.equal(await probe(mint().token).opened, 429);
    } finally {
      for (const w of raw) w.terminate();
    }
    assert.ok((await metricSum(t, 'kite_relay_kite_ws_refused_total', 'too_many')) >= 2);
  });

  /** A token minted as an admin mints it (validated, its limits signed into the JWT). */
  const minted = async (body: object) => {
    const r = await t.post('/api/admin/tokens', { role: 'viewer', ...body }, t.token('admin'));
    assert.equal(r.status, 201, r.text);
    return r.body.token as string;
  };
  const ticksAfter = (p: KiteWsProbe, token: number, mark: number) =>
    p.dataFrames().some((f) => f.at > mark && f.packets.some(([tk]) => tk === token));

  it("max_instruments: the subscribe past the token's cap gets an error frame that says so; the instruments within it tick", async () => {
    const p = await connected(await minted({ max_instruments: 1 }));
    p.send({ a: 'subscribe', v: [INFY] });
    await waitFor(() => p.lengthsOf(INFY).size > 0, 'INFY ticking');
    p.send({ a: 'subscribe', v: [TCS, NIFTY] });
    await waitFor(() => p.texts.length > 0, 'an error frame');
    assert.equal(p.texts.length, 1);
    assert.equal(p.texts[0].type, 'error');
    assert.equal(typeof p.texts[0].data, 'string');
    assert.match(p.texts[0].data, /^subscribe: at most 1 distinct instruments per user .*max_instruments/);
    assert.match(p.texts[0].data, /holds 1 and the request adds 2/);
    const mark = Date.now();
    await waitFor(() => ticksAfter(p, INFY, mark), 'INFY still ticking');
    assert.equal(p.lengthsOf(TCS).size + p.lengthsOf(NIFTY).size, 0, 'nothing past the cap');
    assert.equal(p.ws.readyState, WebSocket.OPEN);
  });

  it('exchanges: an instrument of another exchange gets an error frame; an allowed one ticks, and a wide token still gets the other', async () => {
    const cds = t.get(InstrumentsService).resolve('CDS:USDINR26DECFUT');
    assert.ok(cds.ok, 'the CDS future is in the master');
    const wide = await connected(await minted({}));
    wide.send({ a: 'subscribe', v: [cds.token] });
    const p = await connected(await minted({ exchanges: ['NSE'] }));
    p.send({ a: 'subscribe', v: [cds.token, INFY] });
    await waitFor(() => p.texts.length > 0, 'an error frame');
    assert.equal(p.texts[0].type, 'error');
    assert.equal(p.texts[0].data, `subscribe: refused ${cds.token} (exchange_not_allowed)`);
    const mark = Date.now();
    await waitFor(
      () => ticksAfter(p, INFY, mark) && ticksAfter(wide, cds.token, mark),
      'INFY and the CDS future ticking',
    );
    assert.equal(p.lengthsOf(cds.token).size, 0, 'no packet of the other exchange');
    assert.deepEqual(wide.texts, [], 'the wide token was refused nothing');
  });

  it('sends only the client’s instruments, each as a packet of exactly its mode’s length, with true header counts', async () => {
    const byMode = { ltp: await connected(), quote: await connected(), full: await connected() };
    for (const [mode, p] of Object.entries(byMode)) {
      p.send({ a: 'subscribe', v: [INFY, NIFTY] });
      if (mode !== 'quote') p.send({ a: 'mode', v: [mode, [INFY, NIFTY]] });
    }
    const want = { ltp: [8, 8], quote: [44, 28], full: [184, 32] };
    await waitFor(
      () =>
        Object.entries(byMode).every(
          ([mode, p]) =>
            p.lengthsOf(INFY).has(want[mode as 'ltp'][0]) && p.lengthsOf(NIFTY).has(want[mode as 'ltp'][1]),
        ),
      'packets of every mode',
    );
    for (const [mode, p] of Object.entries(byMode)) {
      const [eq, idx] = want[mode as 'ltp'];
      const frames = p.dataFrames();
      // After the mode change, every packet has that mode's length (before it, quote's).
      const lastModeChange = frames.findIndex((f) => f.packets.some(([tk, l]) => tk === INFY && l === eq));
      for (const f of frames.slice(lastModeChange)) {
        for (const [tk, l] of f.packets) {
          assert.ok(tk === INFY || tk === NIFTY, `only its instruments (${tk})`);
          assert.equal(l, tk === INFY ? eq : idx, `${mode} packet of ${tk}`);
        }
      }
      for (const f of p.frames.filter((x) => x.data.length > 1)) {
        let size = 2;
        const count = f.data.readUInt16BE(0);
        for (let i = 0; i < count; i++) size += 2 + f.data.readUInt16BE(size);
        assert.equal(size, f.data.length, 'the header count covers the frame exactly');
      }
      assert.deepEqual(p.texts, [], 'no error frames');
    }
  });

  it('sends the latest packet of an instrument at once on subscribe, and nothing after unsubscribe', async () => {
    const streaming = await connected();
    streaming.send({ a: 'subscribe', v: [TCS] });
    await waitFor(() => streaming.lengthsOf(TCS).size > 0, 'TCS streaming');
    await t.simControl('silence', { ms: 1500 });
    const since = Date.now();
    const late = await connected();
    late.send({ a: 'subscribe', v: [TCS] });
    await waitFor(() => late.dataFrames().length > 0, 'the snapshot', 1000);
    assert.ok(Date.now() - since < 1500, 'while the upstream is silent: it is the snapshot');
    assert.deepEqual([...late.lengthsOf(TCS)], [44]);
    late.send({ a: 'unsubscribe', v: [TCS] });
    await waitFor(() => streaming.dataFrames().some((f) => f.at > since + 1600), 'ticks again');
    const after = Date.now() + 200;
    await waitFor(() => streaming.dataFrames().some((f) => f.at > after + 300), 'more ticks');
    assert.ok(!late.dataFrames().some((f) => f.at > after), 'no packets after unsubscribe');
  });

  it('sends a 1-byte heartbeat each second without data, also while the upstream is silent or dropped', async () => {
    const idle = await connected();
    const busy = await connected();
    busy.send({ a: 'subscribe', v: [INFY] });
    await waitFor(() => busy.dataFrames().length > 0, 'INFY');
    const from = Date.now();
    await waitFor(() => idle.heartbeats() >= 2, 'idle heartbeats', 3000);
    await t.simControl('silence', { ms: 2500 });
    const silentFrom = Date.now();
    await waitFor(() => Date.now() > silentFrom + 2300, 'the silence', 3000, 100);
    await t.simControl('drop');
    const dropFrom = Date.now();
    await waitFor(() => Date.now() > dropFrom + 2000, 'the drop', 3000, 100);
    const to = Date.now();
    for (const p of [idle, busy]) {
      assert.ok(longestGap(p, from, to) < 1500, `never a 1.5 s gap (${longestGap(p, from, to)} ms)`);
    }
    assert.ok(
      busy.frames.some((f) => f.at > silentFrom && f.data.length === 1),
      'heartbeats during the silence',
    );
    assert.ok((await metricSum(t, 'kite_relay_kite_ws_heartbeats_total')) >= 4);
  });

  /** The token a desk invite gives whoever opens it: the `kr_session` cookie of the redeem. */
  const inviteToken = async () => {
    const made = await t.post('/api/admin/invites', { name: 'Desk Guest', ttl: '1h' }, t.token('admin'));
    assert.equal(made.status, 201, made.text);
    const code = new URL(made.body.url as string).hash.replace(/^#code=/, '');
    const r = await t.http('/api/auth/invite', {
      method: 'POST',
      body: JSON.stringify({ code }),
      headers: { origin: t.url },
    });
    assert.equal(r.status, 200, r.text);
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('kr_session='))!;
    const jwt = cookie.split(';')[0].slice('kr_session='.length);
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
    assert.match(claims.sub, /^invite:desk-guest\./, 'an invite viewer');
    return jwt;
  };

  it('an order update reaches an orders-scoped bot and an admin once, as Kite’s text frame; a plain viewer and an invite viewer get none', async () => {
    const scoped = await connected(mint({ scopes: ['orders'] }).token);
    const admin = await connected(mint({}, 'admin').token);
    const viewer = await connected();
    // A real invite viewer, as a desk guest's browser holds it after opening the invite link.
    const invite = await connected(await inviteToken());
    const order = { order_id: 'kws-1', status: 'COMPLETE', filled_quantity: 5, tradingsymbol: 'INFY' };
    const r = await fetch(`${t.sim.urls.apiRoot}/__sim/orders`, {
      method: 'POST',
      body: JSON.stringify(order),
    });
    assert.equal(r.status, 200);
    const orders = (p: KiteWsProbe) => p.texts.filter((x) => x?.type === 'order');
    await waitFor(() => orders(scoped).length > 0 && orders(admin).length > 0, 'the order update');
    // Anything sent before an answer to a later message has arrived by then: no second copy is on its way.
    for (const p of [scoped, admin, viewer, invite]) {
      const errors = p.texts.filter((x) => x?.type === 'error').length;
      p.ws.send('not json');
      await waitFor(() => p.texts.filter((x) => x?.type === 'error').length > errors, 'the error frame');
    }
    assert.deepEqual(orders(scoped), [{ type: 'order', data: order }]);
    assert.deepEqual(orders(admin), [{ type: 'order', data: order }]);
    assert.deepEqual(orders(viewer), [], 'a viewer without the scope sees no orders');
    assert.deepEqual(orders(invite), [], 'an invite viewer never sees the account’s orders');
    assert.ok((await metricSum(t, 'kite_relay_kite_ws_order_updates_sent_total')) >= 2);
  });

  it('a token revoked while connected closes its socket within 2 s', async () => {
    const minted = mint();
    await minted.stored;
    const p = await connected(minted.token);
    p.send({ a: 'subscribe', v: [INFY] });
    await waitFor(() => p.dataFrames().length > 0, 'INFY');
    const admin = t.token('admin');
    const at = Date.now();
    assert.equal(
      (await t.http(`/api/admin/tokens/${minted.id}`, { method: 'DELETE', token: admin })).status,
      200,
    );
    await waitFor(() => p.closed, 'the close', 2000);
    assert.ok(p.closed!.at - at < 2000);
  });

  it('answers 1,000 malformed messages with error frames (data a sentence saying what was wrong), counts them by reason, and keeps serving', async () => {
    const errorsOf = (reason: string) =>
      metricSum(t, 'kite_relay_kite_ws_errors_total', `reason="${reason}"`);
    const REASONS = ['malformed_json', 'unknown_action', 'invalid_value', 'binary_message', 'flood'];
    const before = await metricSum(t, 'kite_relay_kite_ws_errors_total');
    const beforeBy = Object.fromEntries(await Promise.all(REASONS.map(async (r) => [r, await errorsOf(r)])));
    const bad = await connected();
    const good = await connected();
    good.send({ a: 'subscribe', v: [INFY] });
    // Each malformed message, the reason it is counted under, and what its error sentence says.
    const kinds: [string, string, RegExp][] = [
      ['not json', 'malformed_json', /^message is not JSON; send \{"a":"subscribe"/],
      [
        '{"a":"subscribe","v":"x"}',
        'invalid_value',
        /^"subscribe" value must be an array of instrument tokens$/,
      ],
      [
        '{"a":"buy","v":[1]}',
        'unknown_action',
        /^unknown action "buy"; "a" must be subscribe, unsubscribe or mode$/,
      ],
      ['[]', 'malformed_json', /^message must be a JSON object/],
      [
        '{"a":"mode","v":["turbo",[1]]}',
        'invalid_value',
        /^"mode" value must be \["ltp"\|"quote"\|"full", \[tokens\]\]$/,
      ],
      [
        '{"a":"subscribe","v":[-5]}',
        'invalid_value',
        /^"subscribe" value must hold instrument tokens \(positive integers\)$/,
      ],
    ];
    const binary: [string, RegExp] = [
      'binary_message',
      /^binary messages are not understood; send JSON text/,
    ];
    const sent = new Map<RegExp, number>();
    const byReason: Record<string, number> = Object.fromEntries(REASONS.map((r) => [r, 0]));
    for (let i = 0; i < 1000; i++) {
      const [reason, pattern] =
        i % 100 === 99 ? binary : [kinds[i % kinds.length][1], kinds[i % kinds.length][2]];
      if (i % 100 === 99) bad.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      else bad.send(kinds[i % kinds.length][0]);
      sent.set(pattern, (sent.get(pattern) ?? 0) + 1);
      byReason[reason]++;
    }
    await waitFor(() => bad.texts.length >= 1000, '1,000 answers', 15_000);
    assert.equal(bad.texts.length, 1000, 'one answer per message');
    assert.ok(bad.texts.every((m) => m.type === 'error' && typeof m.data === 'string' && m.data.length > 0));
    // Each message is answered with the sentence of what was wrong with it (binary ones out of
    // turn: they are answered at once, text ones in order), none as another kind or as a flood.
    for (const [pattern, n] of sent) {
      assert.equal(bad.texts.filter((m) => pattern.test(m.data)).length, n, `answers matching ${pattern}`);
    }
    const texts = bad.texts.filter((m) => !binary[1].test(m.data)).map((m) => m.data as string);
    const inOrder = Array.from({ length: 1000 }, (_, i) => i)
      .filter((i) => i % 100 !== 99)
      .map((i) => kinds[i % kinds.length][2]);
    assert.ok(
      inOrder.every((pattern, k) => pattern.test(texts[k])),
      'text messages are answered in the order sent',
    );
    assert.equal((await metricSum(t, 'kite_relay_kite_ws_errors_total')) - before, 1000);
    for (const r of REASONS) {
      assert.equal((await errorsOf(r)) - beforeBy[r], byReason[r], `kite_ws_errors_total{reason="${r}"}`);
    }
    assert.deepEqual(
      [
        byReason.malformed_json > 0,
        byReason.unknown_action > 0,
        byReason.invalid_value > 0,
        byReason.binary_message > 0,
      ],
      [true, true, true, true],
      'every reason is exercised',
    );
    assert.equal(bad.ws.readyState, WebSocket.OPEN, 'the connection stays open');
    const mark = Date.now();
    await waitFor(() => good.dataFrames().some((f) => f.at > mark), 'the other client still served');
    assert.deepEqual(good.texts, [], 'the other client got no error frame');
    assert.equal((await t.http('/health/live')).status, 200);
  });

  it('answers an unknown instrument, a mode before subscribe and an over-limit subscribe with a clear error', async () => {
    const p = await connected();
    p.send({ a: 'subscribe', v: [999_999_999] });
    p.send({ a: 'mode', v: ['full', [INFY]] });
    p.send({ a: 'subscribe', v: Array.from({ length: 600 }, (_, i) => i + 1) });
    await waitFor(() => p.texts.length >= 3, 'three errors');
    assert.match(p.texts[0].data, /999999999/);
    assert.match(p.texts[1].data, /not subscribed to 408065/);
    assert.match(p.texts[2].data, /at most 500/);
    assert.equal(p.ws.readyState, WebSocket.OPEN);
  });

  it('a slow reader gets only the latest packet per instrument until it drains, and never holds up the others', async () => {
    const many = buildUniverse()
      .filter((i) => i.tradingsymbol.startsWith('SIM'))
      .slice(0, 400)
      .map((i) => i.instrument_token);
    const slow = await connected();
    const fast = await connected();
    for (const p of [slow, fast]) {
      p.send({ a: 'subscribe', v: many.slice(0, 200) });
      p.send({ a: 'subscribe', v: many.slice(200, 400) });
      p.send({ a: 'mode', v: ['full', many.slice(0, 200)] });
      p.send({ a: 'mode', v: ['full', many.slice(200, 400)] });
    }
    await waitFor(() => fast.lengthsOf(many[0]).has(184) || fast.dataFrames().length > 20, 'full ticks');
    const server = t.get(KiteWsServer);
    const slowId = () => server.list().find((c) => c.subscriptions === 400 && c.slow)?.id;
    (slow.ws as any)._socket.pause();
    await t.simControl('rate', { ticks_per_second: 6000 });
    try {
      const from = Date.now();
      await waitFor(() => slowId(), 'the paused client marked slow', 30_000, 100);
      await waitFor(
        async () => (await metricSum(t, 'kite_relay_kite_ws_packets_conflated_total')) > 0,
        'a packet replaced by a newer one of its instrument',
        10_000,
        100,
      );
      const to = Date.now();
      assert.ok(
        longestGap(fast, from, to) < 1000,
        `the fast client never waits (${longestGap(fast, from, to)} ms)`,
      );
    } finally {
      await t.simControl('rate', { ticks_per_second: 400 });
    }
    (slow.ws as any)._socket.resume();
    await waitFor(() => !server.list().some((c) => c.slow), 'the slow client drained', 30_000, 100);
    const mark = Date.now();
    await waitFor(() => slow.dataFrames().some((f) => f.at > mark), 'it is served again');
    assert.equal(slow.ws.readyState, WebSocket.OPEN);
    slow.close();
    fast.close();
  });

  it('the admin list shows each client’s protocol; disconnecting a user closes its Kite-protocol sockets', async () => {
    const minted = mint();
    const p = await connected(minted.token);
    p.send({ a: 'subscribe', v: [INFY, TCS] });
    await waitFor(() => p.dataFrames().length > 0, 'ticks');
    const s = t.client({ token: t.token() });
    await t.connected(s);
    const admin = t.token('admin');
    const list = await t.http('/api/admin/clients', { token: admin });
    assert.equal(list.status, 200);
    const all = Object.values(list.body.nodes as Record<string, any[]>).flat();
    const mine = all.find((x) => x.user === minted.sub);
    assert.equal(mine?.protocol, 'kite');
    assert.equal(mine?.subscriptions, 2);
    assert.match(mine?.connected_at, /\+05:30$/);
    assert.ok(all.some((x) => x.protocol === 'socket.io'));
    assert.ok(!list.text.includes(minted.token));
    const r = await t.http(`/api/admin/clients?user=${minted.sub}`, { method: 'DELETE', token: admin });
    assert.equal(r.status, 200);
    await waitFor(() => p.closed, 'the close', 2000);
    s.disconnect();
  });

  it('reports clients, frames, bytes and packets in /metrics', async () => {
    assert.ok((await metricSum(t, 'kite_relay_kite_ws_clients_connected')) >= 1);
    for (const name of ['frames_sent_total', 'sent_bytes_total', 'packets_sent_total']) {
      assert.ok((await metricSum(t, `kite_relay_kite_ws_${name}`)) > 0, name);
    }
  });
});
