import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TokenService } from '../../src/auth/token.service.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { KiteConnect } from '../helpers/sim-clients.js';
import { TestApp } from '../helpers/test-app.js';

type Client = InstanceType<typeof KiteConnect>;
type Rec = Record<string, any>;

const IST_OFFSET_MS = 19_800_000;
/** The official client parses Kite's IST wall text in the process' zone: the instant it meant. */
const istInstant = (d: Date) =>
  Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()) -
  IST_OFFSET_MS;

/** The official client with its root on the relay and a kite-relay token as the access token. */
function relayClient(t: TestApp, token: string): Client {
  const kc = new KiteConnect({ api_key: 'any_api_key', root: `${t.url}/kite` });
  kc.setAccessToken(token);
  return kc;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('expected a Kite error'),
    (e: Rec) => e,
  );

describe('/kite/quote*: the official KiteConnect pointed at the relay', () => {
  let t: TestApp;
  let direct: Client;
  let relay: Client;
  const quoteCalls = async () => {
    const calls = (await t.simStats()).rest_calls as Rec;
    return (calls['/quote'] ?? 0) as number;
  };

  before(async () => {
    t = await TestApp.start();
    await t.login();
    direct = new KiteConnect({
      api_key: t.sim.apiKey,
      root: t.sim.urls.apiRoot,
      access_token: t.sim.issueAccessToken(),
    });
    relay = relayClient(t, t.token('viewer'));
  });
  after(async () => {
    await t?.close();
  });

  it('getQuote, getOHLC and getLTP answer what the simulator answers directly, fresh within the cache TTL', async () => {
    const keys = ['NSE:INFY', 'NSE:RELIANCE', '2953217'];
    const mine = await relay.getQuote(keys);
    const theirs = await direct.getQuote(keys);
    assert.deepEqual(Object.keys(mine).sort(), [...keys].sort());
    for (const k of keys) {
      const [a, b] = [mine[k] as Rec, theirs[k] as Rec];
      // Every field Kite's client reads, plus the circuit limits the relay does not hold (null, not made up).
      assert.deepEqual(
        Object.keys(a).sort(),
        [...Object.keys(b), 'lower_circuit_limit', 'upper_circuit_limit'].sort(),
        k,
      );
      assert.equal(a.lower_circuit_limit, null);
      assert.equal(a.upper_circuit_limit, null);
      assert.equal(a.instrument_token, b.instrument_token);
      assert.equal(a.ohlc.open, b.ohlc.open, `${k}: the same day`);
      assert.equal(a.ohlc.close, b.ohlc.close);
      assert.ok(a.last_price >= b.ohlc.low && a.last_price <= b.ohlc.high, `${k}: a price of today's range`);
      assert.equal(a.depth.buy.length, 5);
      assert.ok(a.timestamp instanceof Date, "Kite's time text, which the client turns into a Date");
      const age = Date.parse(b.timestamp) - istInstant(a.timestamp);
      assert.ok(age >= 0 && age <= t.config.cacheTtlMs + 1000, `${k}: ${age} ms older than the simulator`);
    }
    const ohlc = await relay.getOHLC(keys);
    const ohlcDirect = await direct.getOHLC(keys);
    const ltp = await relay.getLTP(keys);
    const ltpDirect = await direct.getLTP(keys);
    for (const k of keys) {
      assert.deepEqual(Object.keys(ohlc[k]).sort(), Object.keys(ohlcDirect[k]).sort());
      assert.deepEqual(ohlc[k].ohlc, { ...(mine[k] as Rec).ohlc }, 'the same cached quote');
      assert.deepEqual(Object.keys(ltp[k]).sort(), Object.keys(ltpDirect[k]).sort());
      assert.equal(ltp[k].last_price, (mine[k] as Rec).last_price);
    }
  });

  it('ten bots asking for the same instruments at once make at most one Kite quote call', async () => {
    const bots = Array.from({ length: 10 }, (_, i) =>
      relayClient(t, t.get(TokenService).mint(`bot-${i}`, 'viewer').token),
    );
    const before = await quoteCalls();
    const answers = await Promise.all(bots.map((b) => b.getQuote(['NSE:TCS', 'NSE:HDFCBANK'])));
    assert.equal((await quoteCalls()) - before, 1);
    for (const a of answers) assert.equal(a['NSE:TCS'].last_price, answers[0]['NSE:TCS'].last_price);
  });

  it('callers of /api/quotes and of /kite/quote* asking for the same instruments in the same second share one Kite quote call', async () => {
    const fresh = buildUniverse()
      .filter((i) => i.tradingsymbol.startsWith('SIM'))
      .slice(0, 3)
      .map((i) => `NSE:${i.tradingsymbol}`);
    const query = fresh.map((s) => `i=${encodeURIComponent(s)}`).join('&');
    const mint = (sub: string) => t.get(TokenService).mint(sub, 'viewer').token;
    const before = await quoteCalls();
    const [api, kite, ltp, ohlc] = await Promise.all([
      Promise.all(
        Array.from({ length: 5 }, (_, i) => t.http(`/api/quotes?${query}`, { token: mint(`api-${i}`) })),
      ),
      Promise.all(Array.from({ length: 5 }, (_, i) => relayClient(t, mint(`kite-${i}`)).getQuote(fresh))),
      relayClient(t, mint('kite-ltp')).getLTP(fresh),
      relayClient(t, mint('kite-ohlc')).getOHLC(fresh),
    ]);
    assert.equal((await quoteCalls()) - before, 1, 'one Kite quote call for all twelve callers');
    const price = (kite[0][fresh[0]] as Rec).last_price as number;
    assert.equal(typeof price, 'number');
    for (const a of api) {
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(Object.keys(a.body.data).sort(), [...fresh].sort());
      for (const s of fresh) assert.equal(a.body.data[s].last_price, (kite[0][s] as Rec).last_price, s);
    }
    for (const k of kite) {
      for (const s of fresh) assert.equal((k[s] as Rec).last_price, (kite[0][s] as Rec).last_price, s);
    }
    for (const s of fresh) {
      assert.equal(ltp[s].last_price, (kite[0][s] as Rec).last_price, `ltp ${s}`);
      assert.deepEqual(ohlc[s].ohlc, { ...(kite[0][s] as Rec).ohlc }, `ohlc ${s}`);
    }
  });

  it('Kite unreachable: getQuote raises NetworkException (503, saying Kite did not answer); once Kite answers again, so does the relay', async () => {
    // Instruments nobody streams or asked for: only a Kite call can answer them.
    const [a, b] = buildUniverse()
      .filter((i) => i.tradingsymbol.startsWith('SIM'))
      .slice(10, 12)
      .map((i) => `NSE:${i.tradingsymbol}`);
    const before = await quoteCalls();
    await t.simControl('unreachable', { path: '/quote', enabled: true });
    try {
      const e = await failure(relay.getQuote([a]));
      assert.equal(e.error_type, 'NetworkException', e.message);
      assert.equal(e.message, 'Kite did not answer the quote request; try again');
      // The status and envelope as a bot's own HTTP client sees them.
      const raw = await fetch(`${t.url}/kite/quote?i=${encodeURIComponent(b)}`, {
        headers: { Authorization: `token any:${t.token('viewer')}`, 'X-Kite-Version': '3' },
      });
      assert.equal(raw.status, 503);
      assert.deepEqual(await raw.json(), {
        status: 'error',
        message: 'Kite did not answer the quote request; try again',
        error_type: 'NetworkException',
        data: null,
      });
      assert.ok((await quoteCalls()) - before >= 1, 'the relay did ask Kite');
    } finally {
      await t.simControl('unreachable', { path: '/quote', enabled: false });
    }
    const q = await relay.getQuote([a, b]);
    assert.deepEqual(Object.keys(q).sort(), [a, b].sort());
    for (const k of [a, b]) assert.equal(typeof (q[k] as Rec).last_price, 'number', k);
  });

  it('a revoked token raises TokenException; a refused route PermissionException, whatever the method', async () => {
    const admin = t.token('admin');
    const minted = await t.post('/api/admin/tokens', { role: 'viewer', ttl: '30m' }, admin);
    const bot = relayClient(t, minted.body.token);
    assert.ok((await bot.getLTP(['NSE:INFY']))['NSE:INFY']);
    assert.equal(
      (await t.http(`/api/admin/tokens/${minted.body.id}`, { method: 'DELETE', token: admin })).status,
      200,
    );
    const revoked = await failure(bot.getLTP(['NSE:INFY']));
    assert.equal(revoked.error_type, 'TokenException');
    assert.equal(t.logText.includes(minted.body.token), false, 'the token never reaches the logs');
    assert.equal(
      (await failure(relayClient(t, 'not-a-token').getLTP(['NSE:INFY']))).error_type,
      'TokenException',
    );
    const sessionToken = t.token('viewer');
    const anyone = relayClient(t, sessionToken) as Client & Rec;
    for (const call of [
      () => anyone.getOrders(),
      () => anyone.getHoldings(),
      () => anyone.getPositions(),
      () => anyone.getMargins(),
      () => anyone.getProfile(),
      () => anyone.getGTTs(),
      () => anyone.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'INFY', quantity: 1 }),
      () => anyone.cancelOrder('regular', '1'),
      // The session family: DELETE and POST /kite/session/token.
      () => anyone.invalidateAccessToken(),
      () => anyone.generateSession('a-request-token', 'an-api-secret'),
    ]) {
      const e = await failure(call() as Promise<unknown>);
      assert.equal(e.error_type, 'PermissionException');
      assert.match(e.message, /market-data gateway: it does not place orders or show holdings/);
    }
    for (const method of ['DELETE', 'POST']) {
      const raw = await fetch(`${t.url}/kite/session/token?api_key=k&access_token=${sessionToken}`, {
        method,
        headers: { authorization: `token k:${sessionToken}` },
      });
      assert.equal(raw.status, 403, `${method} /kite/session/token`);
      const body = (await raw.json()) as Rec;
      assert.equal(body.status, 'error');
      assert.equal(body.error_type, 'PermissionException');
      assert.equal(body.data, null);
      assert.match(body.message, /market-data gateway: .* the account or the session\. Use Kite itself/);
    }
    assert.equal(
      t.logText.includes(sessionToken),
      false,
      'invalidateAccessToken puts the token in the query; the logs never show it',
    );
    assert.ok(
      (await anyone.getLTP(['NSE:INFY']))['NSE:INFY'],
      'invalidateAccessToken ended neither this token nor the relay session',
    );
  });

  it('bad input is an InputException (too many, malformed, unknown); an oversized query is a 431 InputException; others are served throughout', async () => {
    const check = async (p: Promise<unknown>, pattern: RegExp) => {
      const e = await failure(p);
      assert.equal(e.error_type, 'InputException', e.message);
      assert.match(e.message, pattern);
    };
    // Another user's bot, from an address of its own, polls getLTP back to back throughout.
    const other = t.get(TokenService).mint('bystander-bot', 'viewer').token;
    const polls: { status: number; price: unknown; start: number; end: number }[] = [];
    let polling = true;
    const poll = async () => {
      const start = performance.now();
      const r = await fetch(`${t.url}/kite/quote/ltp?i=NSE:INFY`, {
        headers: { authorization: `token k:${other}`, 'x-forwarded-for': '10.9.8.7' },
      });
      const body = (await r.json()) as Rec;
      polls.push({
        status: r.status,
        price: body.data?.['NSE:INFY']?.last_price,
        start,
        end: performance.now(),
      });
    };
    await poll();
    const poller = (async () => {
      while (polling) await poll();
    })();
    const from = performance.now();
    const tokens = (n: number) => Array.from({ length: n }, (_, i) => String(100_000 + i));
    await check(relay.getQuote(tokens(501)), /give 1 to 500 instruments .*501 given/);
    await check(relay.getQuote(tokens(1000)), /give 1 to 500 instruments .*1000 given/);
    await check(relay.getLTP(tokens(1001)), /give 1 to 1000 instruments .*1001 given/);
    await check(relay.getOHLC([]), /give 1 to 1000 instruments/);
    await check(relay.getLTP(['INFY']), /invalid instrument "INFY"/);
    await check(relay.getLTP([`NSE:${'X'.repeat(100)}`]), /invalid instrument/);
    await check(relay.getLTP(['NSE:NOPE', '999999999']), /no known instrument/);
    const some = await relay.getLTP(['NSE:NOPE', 'NSE:INFY']);
    assert.deepEqual(
      Object.keys(some),
      ['NSE:INFY'],
      'an unknown one among known ones is left out, as Kite does',
    );
    // 1,500 symbols are about 25 KB of query: past Node's 16 KiB header limit, answered 431 before the app.
    const huge = Array.from({ length: 1500 }, (_, i) => `NSE:SYMBOL${i}`);
    await check(relay.getLTP(huge), /pass 16 KiB: send fewer instruments/);
    const raw = await fetch(`${t.url}/kite/quote/ltp?${huge.map((s) => `i=${s}`).join('&')}`);
    assert.equal(raw.status, 431);
    assert.equal((await raw.json()).error_type, 'InputException');
    const api = await fetch(`${t.url}/api/quotes?${huge.map((s) => `i=${s}`).join('&')}`);
    assert.equal(api.status, 431);
    assert.equal((await api.json()).statusCode, 431, "elsewhere the gateway's own error body");
    assert.ok((await relay.getLTP(['NSE:INFY']))['NSE:INFY'], 'the next request is served');
    const to = performance.now();
    polling = false;
    await poller;
    // Back to back, from before the first bad request until after the last: the whole time is covered.
    assert.ok(polls.length >= 2, `${polls.length} polls`);
    assert.ok(polls[1].start <= from && polls.at(-1)!.end >= to, 'the polls span the bad input');
    for (const p of polls) {
      assert.equal(p.status, 200, 'the other bot is always answered');
      assert.equal(typeof p.price, 'number');
    }
  });
});

describe('/kite/quote*: while the relay has no Kite session', () => {
  it('a good token gets TokenException saying that the relay’s owner must log in again', async () => {
    const t = await TestApp.start({ redis: false });
    try {
      const e = await failure(relayClient(t, t.token('viewer')).getLTP(['NSE:INFY']));
      assert.equal(e.error_type, 'TokenException');
      assert.match(e.message, /the relay's owner must log in again \(your token is fine\)/);
      await t.login();
      await t.simControl('expire');
      const expired = await failure(relayClient(t, t.token('viewer')).getQuote(['NSE:TCS']));
      assert.equal(expired.error_type, 'TokenException');
      assert.match(expired.message, /the relay's owner must log in again/);
    } finally {
      await t.close();
    }
  });
});

describe('/kite/quote*: the per-user limits, in Kite’s 429 shape', () => {
  it('past API_RATE_LIMIT_PER_MINUTE a bot gets NetworkException (429, Retry-After)', async () => {
    const t = await TestApp.start({ redis: false, env: { API_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      await t.login();
      const token = t.token('viewer');
      const bot = relayClient(t, token);
      await bot.getLTP(['NSE:INFY']);
      await bot.getLTP(['NSE:INFY']);
      const e = await failure(bot.getLTP(['NSE:INFY']));
      assert.equal(e.error_type, 'NetworkException');
      assert.match(
        e.message,
        /at most 2 requests a minute per user \(API_RATE_LIMIT_PER_MINUTE\); retry after \d+ s/,
      );
      const raw = await fetch(`${t.url}/kite/quote/ltp?i=NSE:INFY`, {
        headers: { authorization: `token k:${token}` },
      });
      assert.equal(raw.status, 429);
      assert.ok(Number(raw.headers.get('retry-after')) >= 1);
    } finally {
      await t.close();
    }
  });

  it('past MAX_QUEUED_QUOTES_PER_USER uncached instruments waiting, /kite/quote is NetworkException (429, Retry-After); another user is still served', async () => {
    const t = await TestApp.start({
      redis: false,
      simOptions: { instruments: 2000 },
      env: { MAX_QUEUED_QUOTES_PER_USER: '500' },
    });
    try {
      await t.login();
      const token = t.token('viewer');
      const bot = relayClient(t, token);
      // This call takes the quote slot: the next Kite call is a second away, so what follows waits.
      assert.ok((await bot.getLTP(['NSE:INFY']))['NSE:INFY']);
      const sims = buildUniverse(2000)
        .filter((i) => i.tradingsymbol.startsWith('SIM'))
        .map((i) => `NSE:${i.tradingsymbol}`);
      const quote = (list: string[], auth = token) =>
        fetch(`${t.url}/kite/quote?${list.map((s) => `i=${encodeURIComponent(s)}`).join('&')}`, {
          headers: { authorization: `token k:${auth}` },
        }).then(async (r) => ({
          status: r.status,
          retryAfter: r.headers.get('retry-after'),
          body: (await r.json()) as Rec,
        }));
      // Three requests of 500 uncached instruments each: at most one waits (500), one may be in a call.
      const mine = [0, 1, 2].map((k) => quote(sims.slice(k * 500, (k + 1) * 500)));
      const other = quote(['NSE:RELIANCE'], t.get(TokenService).mint('other-bot', 'viewer').token);
      const answers = await Promise.all(mine);
      const ok = answers.filter((a) => a.status === 200);
      const full = answers.filter((a) => a.status === 429);
      assert.equal(ok.length + full.length, 3, JSON.stringify(answers.map((a) => a.status)));
      assert.ok(ok.length >= 1 && full.length >= 1, `${ok.length} served, ${full.length} refused`);
      for (const a of ok) assert.equal(Object.keys(a.body.data).length, 500);
      for (const a of full) {
        assert.equal(a.body.status, 'error');
        assert.equal(a.body.error_type, 'NetworkException');
        assert.equal(a.body.data, null);
        const m =
          /^at most 500 uncached instruments may wait for Kite per user; (\d+) are waiting \(MAX_QUEUED_QUOTES_PER_USER\); retry after (\d+) s$/.exec(
            a.body.message,
          );
        assert.ok(m, a.body.message);
        assert.equal(m[1], '500');
        assert.equal(a.retryAfter, m[2], 'Retry-After says what the sentence says');
        assert.ok(Number(a.retryAfter) >= 1 && Number(a.retryAfter) <= 5, `Retry-After: ${a.retryAfter}`);
      }
      const theirs = await other;
      assert.equal(theirs.status, 200, 'the bound is per user');
      assert.equal(theirs.body.data['NSE:RELIANCE'].instrument_token, 738561);
      assert.ok((await bot.getQuote(sims.slice(1500, 1510)))[sims[1500]], 'once drained, served again');
    } finally {
      await t.close();
    }
  });
});
