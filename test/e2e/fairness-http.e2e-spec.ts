import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { TestApp } from '../helpers/test-app.js';
import { getFrom, percentile, userToken, type Answer } from '../helpers/fairness.js';
import { sleep, waitFor } from '../helpers/wait.js';

const MASTER = 20_000;
/** Lower than the default 600, so that the test reaches it in a few seconds. */
const RATE = 120;

describe('fairness on the HTTP API: quotes, search and the rate limit (20,000-instrument master)', () => {
  let t: TestApp;
  let symbols: string[];
  const quoteCalls = async (): Promise<number> => (await t.simStats()).rest_calls['/quote'] ?? 0;
  const quotesPath = (list: string[]) =>
    `/api/quotes?${list.map((s) => `i=${encodeURIComponent(s)}`).join('&')}`;

  before(async () => {
    t = await TestApp.start({
      simOptions: { instruments: MASTER },
      env: { API_RATE_LIMIT_PER_MINUTE: String(RATE) },
    });
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > MASTER, 'the 20,000-instrument master', 20_000);
    symbols = buildUniverse(MASTER)
      .filter((i) => i.tradingsymbol.startsWith('SIM'))
      .map((i) => `NSE:${i.tradingsymbol}`);
  });
  after(() => t.close());

  it('a quote flood (30 × 500 uncached instruments from one viewer) gets 429 past its queue bound; another user’s NSE:INFY answers within ~2 Kite calls', async (ctx) => {
    const mallory = userToken(t, 'mallory');
    const callsBefore = await quoteCalls();
    const start = performance.now();
    let refusedSoFar = 0;
    const flood = Array.from({ length: 30 }, (_, i) =>
      getFrom(t, quotesPath(symbols.slice(i * 500, (i + 1) * 500)), { token: mallory }).then((a) => {
        if (a.status === 429) refusedSoFar++;
        return a;
      }),
    );
    // The victim asks once mallory's queue is at its bound: one of her requests was refused.
    await waitFor(() => refusedSoFar > 0, "mallory's queue full (a 429)");
    const callsAtVictim = await quoteCalls();
    const victim = await getFrom(t, quotesPath(['NSE:INFY']), {
      token: userToken(t, 'victim'),
      from: '127.0.0.2',
    });
    const callsForVictim = (await quoteCalls()) - callsAtVictim;
    const answers: Answer[] = await Promise.all(flood);
    const floodMs = performance.now() - start;

    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    ctx.diagnostic(
      `victim NSE:INFY: ${victim.status} in ${Math.round(victim.ms)} ms, ${callsForVictim} Kite call(s) meanwhile; ` +
        `mallory: ${ok.length}×200, ${limited.length}×429 (Retry-After ${limited[0]?.headers['retry-after']} s), ` +
        `all answered in ${Math.round(floodMs)} ms; Kite /quote calls: ${(await quoteCalls()) - callsBefore}`,
    );
    assert.equal(victim.status, 200);
    assert.equal(victim.body.data['NSE:INFY']?.instrument_token, 408065);
    assert.ok(victim.ms < 3000, `the victim waited ${Math.round(victim.ms)} ms`);
    assert.ok(callsForVictim <= 2, `${callsForVictim} Kite calls before the victim's answer`);

    // At most 1,000 of hers wait at any time; a call that takes 500 makes room for one more request.
    assert.ok(ok.length >= 2 && ok.length <= 4, `${ok.length} requests admitted`);
    assert.equal(ok.length + limited.length, 30);
    for (const a of ok) assert.equal(Object.keys(a.body.data).length, 500);
    for (const a of limited) {
      const retryAfter = Number(a.headers['retry-after']);
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 5,
        `Retry-After: ${retryAfter}`,
      );
      assert.equal(a.body.statusCode, 429);
      assert.equal(a.body.error, 'Too Many Requests');
      assert.match(a.body.message, /MAX_QUEUED_QUOTES_PER_USER/);
    }
    const again = await getFrom(t, quotesPath(symbols.slice(15_000, 15_010)), { token: mallory });
    assert.equal(again.status, 200, 'once drained, the same viewer is served again');
  });

  it('60 searches a second (no-match, prefix and name queries) leave /health/live fast', async (ctx) => {
    const users = Array.from({ length: 6 }, (_, i) => ({
      token: userToken(t, `searcher-${i}`),
      from: `127.0.0.${10 + i}`,
    }));
    const queries = (n: number) => [`zzzz${n}`, 'SIM1', `EQUITY ${n % 97}`, 'INF', `SIM${n % 10}9`][n % 5];
    const searches: Promise<Answer>[] = [];
    // The same probe with no flood: the machine's own noise (other tests share its two cores).
    const quiet: number[] = [];
    for (let i = 0; i < 10; i++) {
      quiet.push((await getFrom(t, '/health/live')).ms);
      await sleep(100); // the probe's pace
    }
    const health: number[] = [];
    let running = true;
    const prober = (async () => {
      while (running) {
        health.push((await getFrom(t, '/health/live')).ms);
        await sleep(100); // the probe's pace
      }
    })();
    const seconds = 5;
    const start = performance.now();
    for (let n = 0; n < 60 * seconds; n++) {
      const u = users[n % users.length];
      searches.push(getFrom(t, `/api/instruments?q=${encodeURIComponent(queries(n))}`, u));
      // The load's pace: 60 a second.
      await sleep(Math.max(0, start + ((n + 1) * 1000) / 60 - performance.now()));
    }
    const answers = await Promise.all(searches);
    running = false;
    await prober;
    const rate = answers.length / ((performance.now() - start) / 1000);
    const searchMs = answers.map((a) => a.ms);
    ctx.diagnostic(
      `${answers.length} searches at ${rate.toFixed(1)}/s: p50 ${percentile(searchMs, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(searchMs, 99).toFixed(1)} ms; /health/live (${health.length} probes): ` +
        `p50 ${percentile(health, 50).toFixed(1)} ms, p95 ${percentile(health, 95).toFixed(1)} ms, max ${Math.max(...health).toFixed(1)} ms ` +
        `(without the flood: p50 ${percentile(quiet, 50).toFixed(1)} ms, max ${Math.max(...quiet).toFixed(1)} ms)`,
    );
    assert.ok(
      answers.every((a) => a.status === 200),
      'every search answered',
    );
    assert.ok(
      answers.some((a) => a.body.data.length === 20),
      'broad queries return a full page',
    );
    // A full scan per search put it at 520–580 ms (review F12); generous bounds for a shared machine.
    assert.ok(percentile(health, 50) < 50, `/health/live p50 ${percentile(health, 50)} ms`);
    assert.ok(percentile(health, 95) < 250, `/health/live p95 ${percentile(health, 95)} ms`);
  });

  it('viewer routes are limited per user and per address (429 with Retry-After); other users and addresses are not', async () => {
    const alice = userToken(t, 'alice');
    const bob = userToken(t, 'bob');
    const A = '127.0.0.20';
    const burst = await Promise.all(
      Array.from({ length: RATE + 5 }, () => getFrom(t, '/api/market/status', { token: alice, from: A })),
    );
    assert.equal(burst.filter((a) => a.status === 200).length, RATE);
    const refused = burst.filter((a) => a.status === 429);
    assert.equal(refused.length, 5);
    for (const a of refused) {
      const retryAfter = Number(a.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
      assert.deepEqual(Object.keys(a.body).sort(), ['error', 'message', 'statusCode']);
      assert.match(a.body.message, /API_RATE_LIMIT_PER_MINUTE/);
    }

    // One budget over every viewer route: the search is refused too.
    const search = await getFrom(t, '/api/instruments?q=INF', { token: alice, from: A });
    assert.equal(search.status, 429);
    // Per user: alice from another address is still refused.
    const aliceElsewhere = await getFrom(t, '/api/quotes?i=NSE:INFY', { token: alice, from: '127.0.0.21' });
    assert.equal(aliceElsewhere.status, 429);
    assert.match(aliceElsewhere.body.message, /per user/);
    // Per address: another user from alice's address is refused.
    const bobOnA = await getFrom(t, '/api/candles?i=NSE:INFY', { token: bob, from: A });
    assert.equal(bobOnA.status, 429);
    assert.match(bobOnA.body.message, /per address/);

    // Everyone else is unaffected, on every viewer route.
    const carol = { token: userToken(t, 'carol'), from: '127.0.0.22' };
    for (const path of [
      '/api/market/status',
      '/api/instruments?q=INF',
      '/api/quotes?i=NSE:INFY',
      '/api/candles?i=NSE:INFY',
    ]) {
      assert.equal((await getFrom(t, path, carol)).status, 200, path);
    }
    assert.equal((await getFrom(t, '/api/market/status', { token: bob, from: '127.0.0.23' })).status, 200);
    assert.equal((await getFrom(t, '/health/live', { from: A })).status, 200, 'health is not limited');
  });
});
