import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildUniverse } from '../../src/simulator/universe.js';
import { KiteConnect } from '../helpers/sim-clients.js';
import { TestCluster } from '../helpers/test-cluster.js';

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
      const before = ((await c.simStats()).rest_calls['/quote'] ?? 0) as number;
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
      const calls = (((await c.simStats()).rest_calls['/quote'] ?? 0) as number) - before;
      ctx.diagnostic(
        `answers per bot ${JSON.stringify(answered)}: ${calls} Kite quote calls in ${seconds.toFixed(2)} s`,
      );
      assert.deepEqual(errors, []);
      assert.ok(
        answered.every((n) => n >= 3),
        `every bot answered repeatedly: ${JSON.stringify(answered)}`,
      );
      assert.ok(calls <= Math.floor(seconds) + 1, `${calls} Kite calls in ${seconds} s`);
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
