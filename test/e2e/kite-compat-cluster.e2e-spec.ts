import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildUniverse } from '../../src/simulator/universe.js';
import { busiestWindow, KiteConnect, simRequests } from '../helpers/sim-clients.js';
import { TestCluster } from '../helpers/test-cluster.js';

const INFY = 408065;

/**
 * How much less than a second the windows the pacing checks slide are. The slots are timed in Redis
 * (docs/kite-compat.md, Pacing); a call reaches Kite some ms after its node took the slot (a cache
 * read, the HTTP request) and the simulator, in this loaded test process, logs it some ms after
 * that: one call seen late makes the next look early (987 ms after the previous quote call, 242 ms
 * after the previous historical one, seen here). The quote slot (1 s) has no margin of its own; the
 * historical pace (3 × 350 ms = 1,050 ms) has 50 ms. Paces of 900 ms (quotes) and 300 ms
 * (historical) still fail the checks.
 */
const ARRIVAL_JITTER_MS = 50;
const WINDOW_MS = 1000 - ARRIVAL_JITTER_MS;

/** Instruments nobody streams: each bot asks for new ones every round, so quotes must come from Kite. */
const COLD = buildUniverse()
  .filter((i) => i.tradingsymbol.startsWith('SIM'))
  .map((i) => `${i.exchange}:${i.tradingsymbol}`);

describe(
  '/kite/quote on 3 nodes: ten bots polling share one Kite quote call a second',
  { timeout: 120_000 },
  () => {
    let c: TestCluster;
    before(async () => {
      c = await TestCluster.start(3);
      await c.login(c.nodes[0]);
    });
    after(async () => {
      await c?.close();
    });

    it('10 bots calling getQuote in a loop for 10 s, spread over the nodes: at most one Kite call a second, every bot answered', async (ctx) => {
      const t0 = Date.now();
      const answered = new Array<number>(10).fill(0);
      const errors: string[] = [];
      let next = 0;
      const bots = answered.map(async (_, b) => {
        const kc = new KiteConnect({ api_key: 'bot', root: `${c.nodes[b % 3].url}/kite` });
        kc.setAccessToken(c.token('viewer', `bot-${b}`));
        while (Date.now() - t0 < 10_000) {
          const ask = COLD.slice(next, next + 3);
          next += 3;
          try {
            const q = await kc.getQuote(ask);
            if (ask.every((k) => typeof q[k]?.last_price === 'number')) answered[b]++;
          } catch (err) {
            errors.push(`bot-${b}: ${JSON.stringify(err)}`);
          }
        }
      });
      await Promise.all(bots);
      const seconds = (Date.now() - t0) / 1000;
      const at = (await simRequests(c.sim.urls.apiRoot, '/quote')).map((r) => r.at).filter((a) => a >= t0);
      const gaps = at.slice(1).map((a, i) => a - at[i]);
      ctx.diagnostic(
        `answers per bot ${JSON.stringify(answered)}: ${at.length} Kite quote calls in ${seconds.toFixed(2)} s, gaps ${JSON.stringify(gaps)}`,
      );
      assert.deepEqual(errors, []);
      assert.ok(
        answered.every((n) => n >= 3),
        `every bot answered repeatedly: ${JSON.stringify(answered)}`,
      );
      assert.ok(at.length >= 5, `${at.length} Kite quote calls: the bots needed Kite throughout`);
      // One slot a second: no window of a second (less the arrival jitter) holds two Kite calls.
      const busiest = busiestWindow(at, WINDOW_MS);
      assert.equal(
        busiest.calls,
        1,
        `Kite quote calls within ${WINDOW_MS} ms (at ms of the run): ${JSON.stringify(busiest.window.map((a) => a - t0))}`,
      );
      // And over the whole run, one a second.
      assert.ok(at.length <= Math.floor(seconds) + 1, `${at.length} Kite calls in ${seconds} s`);
    });

    it('during a Redis outage each node paces its own calls: bots on every node keep being answered, at most one Kite call a second per node', async (ctx) => {
      await c.redis.stop();
      try {
        const before = ((await c.simStats()).rest_calls['/quote'] ?? 0) as number;
        const t0 = Date.now();
        const answered = new Array<number>(6).fill(0);
        const errors: string[] = [];
        // From the end of the list: instruments the first test did not ask for, so each answer needs Kite.
        let next = COLD.length;
        const bots = answered.map(async (_, b) => {
          const kc = new KiteConnect({ api_key: 'bot', root: `${c.nodes[b % 3].url}/kite` });
          kc.setAccessToken(c.token('viewer', `outage-bot-${b}`));
          while (Date.now() - t0 < 8_000) {
            next = Math.max(3, next - 3);
            const ask = COLD.slice(next - 3, next);
            try {
              const q = await kc.getQuote(ask);
              if (ask.every((k) => typeof q[k]?.last_price === 'number')) answered[b]++;
            } catch (err) {
              errors.push(`bot-${b}: ${JSON.stringify(err)}`);
            }
          }
        });
        await Promise.all(bots);
        const seconds = (Date.now() - t0) / 1000;
        const calls = (((await c.simStats()).rest_calls['/quote'] ?? 0) as number) - before;
        ctx.diagnostic(
          `Redis down: answers per bot ${JSON.stringify(answered)}: ${calls} Kite quote calls in ${seconds.toFixed(2)} s`,
        );
        assert.deepEqual(errors, []);
        assert.ok(
          answered.every((n) => n >= 2),
          `every bot answered repeatedly: ${JSON.stringify(answered)}`,
        );
        // Each of the 3 nodes paces alone (docs/kite-compat.md): at most 3 times the cluster's rate.
        assert.ok(calls <= 3 * (Math.floor(seconds) + 1), `${calls} Kite calls in ${seconds} s`);
        for (const n of c.nodes) assert.equal((await n.http('/health/live')).status, 200);
      } finally {
        await c.redis.start();
      }
    });
  },
);

describe(
  '/kite/instruments/historical on 3 nodes: one pace for the whole cluster, at most 3 Kite calls a second',
  { timeout: 120_000 },
  () => {
    let c: TestCluster;
    before(async () => {
      // A trading day at 11:00 IST, on the nodes' clocks and the simulator's alike, so ranges have candles.
      const start = '2026-12-01T11:00:30+05:30';
      const shift = Date.parse(start) - Date.now();
      c = await TestCluster.start(3, { env: { CLOCK_START: start }, sim: { now: () => Date.now() + shift } });
      await c.login(c.nodes[0]);
    });
    after(async () => {
      await c?.close();
    });

    it('9 bots on 3 nodes asking for distinct uncached ranges for 4 s: at most 3 Kite historical calls a second at Kite, every bot answered', async (ctx) => {
      const client = (node: number, sub: string) => {
        const kc = new KiteConnect({ api_key: 'bot', root: `${c.nodes[node].url}/kite` });
        kc.setAccessToken(c.token('viewer', sub));
        return kc;
      };
      // One request through each node first, so that the run measures the pace, not a node's first
      // call (its connection to Kite, its cold code).
      await Promise.all(
        c.nodes.map((_, i) =>
          client(i, `warm-${i}`).getHistoricalData(
            INFY,
            '10minute',
            '2026-12-01 09:15:00',
            `2026-12-01 10:0${i}:00`,
          ),
        ),
      );
      const intervals = ['minute', '3minute', '5minute'];
      let next = 0;
      const t0 = Date.now();
      const answered = new Array<number>(9).fill(0);
      const errors: string[] = [];
      const bots = answered.map(async (_, b) => {
        const kc = client(b % 3, `hist-bot-${b}`);
        while (Date.now() - t0 < 4_000) {
          // A range no request asked for before: each needs its own Kite call (no cache, no sharing).
          const k = next++;
          const minute = 16 + Math.floor(k / intervals.length);
          const to = `2026-12-01 ${String(9 + Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00`;
          try {
            const cs = await kc.getHistoricalData(INFY, intervals[k % 3], '2026-12-01 09:15:00', to);
            if (cs.length > 0) answered[b]++;
          } catch (err) {
            errors.push(`bot-${b}: ${JSON.stringify(err)}`);
          }
        }
      });
      await Promise.all(bots);
      const calls = (await simRequests(c.sim.urls.apiRoot, '/instruments/historical')).filter(
        (r) => r.at >= t0,
      );
      const at = calls.map((r) => r.at);
      const gaps = at.slice(1).map((a, i) => a - at[i]);
      const busiest = busiestWindow(at, WINDOW_MS);
      ctx.diagnostic(
        `answers per bot ${JSON.stringify(answered)}: ${calls.length} Kite historical calls in ${((Date.now() - t0) / 1000).toFixed(2)} s, gaps ${JSON.stringify(gaps)}`,
      );
      assert.deepEqual(errors, []);
      assert.ok(
        answered.every((n) => n >= 1),
        `every bot answered: ${JSON.stringify(answered)}`,
      );
      assert.equal(
        calls.length,
        answered.reduce((a, b) => a + b),
        'one Kite call per distinct request',
      );
      assert.ok(calls.length >= 10, `${calls.length} calls: enough to fill several seconds`);
      assert.ok(
        busiest.calls <= 3,
        `${busiest.calls} Kite historical calls within ${WINDOW_MS} ms (at ms of the run): ${JSON.stringify(busiest.window.map((a) => a - t0))}`,
      );
    });
  },
);
