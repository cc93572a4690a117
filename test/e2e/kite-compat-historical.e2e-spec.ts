import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TokenService } from '../../src/auth/token.service.js';
import type { HistoricalCandle } from '../../src/kite/kite-rest.js';
import { KiteConnect, simRequests } from '../helpers/sim-clients.js';
import { TestApp } from '../helpers/test-app.js';

type Client = InstanceType<typeof KiteConnect>;
type Rec = Record<string, any>;

const INFY = 408065;
const plain = (cs: HistoricalCandle[]) => cs.map((c) => ({ ...c, date: c.date.getTime() }));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('expected a Kite error'),
    (e: Rec) => e,
  );

describe('/kite/instruments/historical: Kite’s candles through the relay, paced for the whole deployment', () => {
  let t: TestApp;
  let direct: Client;
  let tokenOf: (sub: string) => string;
  const bot = (sub: string) => {
    const kc = new KiteConnect({ api_key: 'any', root: `${t.url}/kite` });
    kc.setAccessToken(tokenOf(sub));
    return kc;
  };
  const historicalCalls = async (): Promise<number> => {
    // One retry: a kept-alive connection the simulator has just closed resets once.
    const stats = await t.simStats().catch(() => t.simStats());
    return ((stats.rest_calls as Rec)['/instruments/historical'] ?? 0) as number;
  };

  before(async () => {
    // A trading day at 11:00 IST on the relay's and the simulator's clock alike.
    t = await TestApp.start({ env: { CLOCK_START: '2026-12-01T11:00:30+05:30' } });
    await t.login();
    direct = new KiteConnect({
      api_key: t.sim.apiKey,
      root: t.sim.urls.apiRoot,
      access_token: t.sim.issueAccessToken(),
    });
    tokenOf = (sub) => t.get(TokenService).mint(sub, 'viewer').token;
  });
  after(async () => {
    await t?.close();
  });

  it('getHistoricalData answers what the simulator answers, oi included; a completed range is asked of Kite once', async () => {
    const relay = bot('alice');
    for (const [interval, oi] of [
      ['minute', false],
      ['5minute', true],
      ['day', false],
    ] as const) {
      const from = interval === 'day' ? '2026-11-20 00:00:00' : '2026-12-01 09:15:00';
      const to = interval === 'day' ? '2026-11-30 00:00:00' : '2026-12-01 10:30:00';
      const theirs = await direct.getHistoricalData(INFY, interval, from, to, false, oi);
      const before = await historicalCalls();
      const mine = await relay.getHistoricalData(INFY, interval, from, to, false, oi);
      assert.deepEqual(plain(mine), plain(theirs), interval);
      assert.equal(await historicalCalls(), before + 1, `${interval}: one Kite call`);
      const again = await bot('bob').getHistoricalData(INFY, interval, from, to, false, oi);
      assert.deepEqual(plain(again), plain(theirs));
      assert.equal(await historicalCalls(), before + 1, `${interval}: the repeat is served from the cache`);
    }
    assert.ok(
      (await direct.getHistoricalData(INFY, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:30:00')).length >=
        75,
    );
    // A range reaching the minute in progress is not complete: each request asks Kite.
    const before = await historicalCalls();
    await relay.getHistoricalData(INFY, 'minute', '2026-12-01 10:00:00', '2026-12-01 15:30:00');
    await relay.getHistoricalData(INFY, 'minute', '2026-12-01 10:00:00', '2026-12-01 15:30:00');
    assert.equal(await historicalCalls(), before + 2);
  });

  it('continuous and oi reach Kite as the bot set them: 1 when asked, 0 when not', async () => {
    const relay = bot('dave');
    const asked = async (continuous?: boolean, oi?: boolean) => {
      const before = (await simRequests(t.sim.urls.apiRoot, '/instruments/historical')).length;
      // 10minute from 09:15: a range no other test asks for, so each call reaches Kite.
      const cs = await relay.getHistoricalData(
        INFY,
        '10minute',
        '2026-12-01 09:15:00',
        '2026-12-01 10:20:00',
        continuous,
        oi,
      );
      const log = await simRequests(t.sim.urls.apiRoot, '/instruments/historical');
      assert.equal(log.length, before + 1, 'one Kite call');
      const last = log.at(-1)!;
      assert.equal(last.path, `/instruments/historical/${INFY}/10minute`);
      return { cs, query: new URLSearchParams(last.query) };
    };
    const both = await asked(true, true);
    assert.equal(both.query.get('continuous'), '1');
    assert.equal(both.query.get('oi'), '1');
    assert.equal(both.query.get('from'), '2026-12-01 09:15:00');
    assert.equal(both.query.get('to'), '2026-12-01 10:20:00');
    assert.ok(both.cs.length > 0);
    const neither = await asked();
    assert.equal(neither.query.get('continuous'), '0');
    assert.equal(neither.query.get('oi'), '0');
    const onlyContinuous = await asked(true, false);
    assert.equal(onlyContinuous.query.get('continuous'), '1');
    assert.equal(onlyContinuous.query.get('oi'), '0');
  });

  it('five bots at once: at most 3 Kite calls in any second, every bot answered, a lone request not stuck behind a busy bot', async () => {
    const polls: { sent: number; got: number; calls: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const sent = Date.now();
        const calls = await historicalCalls();
        polls.push({ sent, got: Date.now(), calls });
        // A sample every ~20 ms is enough to see four calls in a second, and leaves the event loop be.
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const start = await historicalCalls();
    const answeredAt: Record<string, number[]> = {};
    const ask = (sub: string, minute: number) => {
      const to = `2026-12-01 10:${String(minute).padStart(2, '0')}:00`;
      return bot(sub)
        .getHistoricalData(INFY, '3minute', '2026-12-01 09:15:00', to)
        .then((cs) => {
          (answeredAt[sub] ??= []).push(Date.now());
          return cs;
        });
    };
    // The busy bot queues 5 distinct requests; four others one or two each, a moment later: 11 calls
    // take about 3.5 s at the pace, inside the 5 s a request may wait (MAX_HISTORICAL_WAIT_MS).
    const busy = Array.from({ length: 5 }, (_, i) => ask('busy', 10 + i));
    await new Promise((r) => setImmediate(r));
    const others = ['b1', 'b2', 'b3', 'b4'].flatMap((sub, i) => [
      ask(sub, 30 + i),
      ...(i < 2 ? [ask(sub, 40 + i)] : []),
    ]);
    const answers = await Promise.all([...busy, ...others]);
    polling = false;
    await poller;
    assert.equal((await historicalCalls()) - start, 11, 'one Kite call per distinct request');
    assert.ok(answers.every((cs) => cs.length > 0));
    for (let i = 0; i < polls.length; i++) {
      for (let j = i + 1; j < polls.length && polls[j].got - polls[i].sent <= 1000; j++) {
        const n = polls[j].calls - polls[i].calls;
        const timeline = JSON.stringify(
          polls
            .filter((p, k) => k === 0 || p.calls !== polls[k - 1].calls)
            .map((p) => [p.sent - polls[0].sent, p.got - p.sent, p.calls]),
        );
        assert.ok(n <= 3, `${n} Kite calls within ${polls[j].got - polls[i].sent} ms: ${timeline}`);
      }
    }
    const lastBusy = Math.max(...answeredAt.busy);
    for (const sub of ['b1', 'b2', 'b3', 'b4']) {
      assert.ok(
        Math.min(...answeredAt[sub]) < lastBusy,
        `${sub} is served round-robin, not after the busy bot`,
      );
    }
  });

  it('a bot is never held for long: a request without its turn after about 5 s is a NetworkException 429 with Retry-After; the rest are answered', async () => {
    // Three bots queue 10 distinct requests each: 30 calls would take about 10.5 s at the pace.
    const started = Date.now();
    const outcomes = await Promise.all(
      ['q1', 'q2', 'q3'].flatMap((sub, u) =>
        Array.from({ length: 10 }, (_, i) => {
          const to = `2026-12-01 10:${String(10 + u * 10 + i).padStart(2, '0')}:00`;
          return bot(sub)
            .getHistoricalData(INFY, '15minute', '2026-12-01 09:15:00', to)
            .then(
              (): { sub: string; ok: boolean; at: number; e?: Rec } => ({
                sub,
                ok: true,
                at: Date.now() - started,
              }),
              (e: Rec) => ({ sub, ok: false, at: Date.now() - started, e }),
            );
        }),
      ),
    );
    const refused = outcomes.filter((o) => !o.ok);
    assert.ok(refused.length > 0, 'some requests could not have had their turn within 5 s');
    assert.ok(outcomes.length - refused.length >= 6, `${outcomes.length - refused.length} answered`);
    for (const o of refused) {
      assert.equal(o.e?.error_type, 'NetworkException', o.e?.message);
      assert.match(String(o.e?.message), /waited 5 s .*retry after \d+ s/);
      // Given up at the bound, not minutes later (generous for a loaded machine).
      assert.ok(o.at >= 4_500 && o.at < 20_000, `refused after ${o.at} ms`);
    }
    for (const sub of ['q1', 'q2', 'q3']) {
      assert.ok(
        outcomes.some((o) => o.sub === sub && o.ok),
        `${sub} had some of its requests answered: the turns stay fair`,
      );
    }
    // The status and Retry-After as a bot's HTTP client sees them.
    const raw = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        fetch(
          `${t.url}/kite/instruments/historical/${INFY}/30minute?from=2026-12-01+09:15:00&to=2026-12-01+10:${String(10 + i).padStart(2, '0')}:00`,
          { headers: { Authorization: `token any:${tokenOf(`r${i % 3}`)}`, 'X-Kite-Version': '3' } },
        ),
      ),
    );
    const late = raw.filter((r) => r.status === 429);
    assert.ok(late.length > 0, raw.map((r) => r.status).join(','));
    assert.ok(late.every((r) => Number(r.headers.get('retry-after')) >= 1));
    const ok = raw.filter((r) => r.status === 200);
    assert.equal(ok.length + late.length, raw.length);
    const body = (await late[0].json()) as Rec;
    assert.equal(body.error_type, 'NetworkException');
    assert.equal(body.data, null);
    for (const r of raw) if (!r.bodyUsed) await r.body?.cancel();
    // The bound leaves nothing behind: a new request is answered at once.
    const fresh = await bot('q1').getHistoricalData(
      INFY,
      '5minute',
      '2026-12-01 09:15:00',
      '2026-12-01 10:00:00',
    );
    assert.ok(fresh.length > 0);
  });

  it('bad input is an InputException before any Kite call: interval, dates, their order, an unknown token', async () => {
    const relay = bot('carol');
    const before = await historicalCalls();
    const cases: [Promise<unknown>, RegExp][] = [
      [
        relay.getHistoricalData(INFY, '2minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
        /invalid interval/,
      ],
      [
        relay.getHistoricalData(INFY, 'minute', '2026-12-01 10:00:00', '2026-12-01 09:15:00'),
        /from date is after to date/,
      ],
      [relay.getHistoricalData(INFY, 'minute', 'soon', '2026-12-01 09:15:00'), /invalid from date/],
      [
        relay.getHistoricalData(INFY, 'minute', '2026-01-01 09:15:00', '2026-12-01 09:15:00'),
        /max limit: 60 days/,
      ],
      [
        relay.getHistoricalData(12345, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
        /invalid token 12345/,
      ],
    ];
    for (const [p, pattern] of cases) {
      const e = await failure(p);
      assert.equal(e.error_type, 'InputException', e.message);
      assert.match(e.message, pattern);
    }
    assert.equal(await historicalCalls(), before);
  });
});

describe('/kite/instruments/historical: an app without Kite’s historical-data add-on', () => {
  it('Kite’s PermissionException reaches the bot as a PermissionException that names the relay', async () => {
    const t = await TestApp.start({ redis: false, simOptions: { historical: false } });
    try {
      await t.login();
      const kc = new KiteConnect({ api_key: 'any', root: `${t.url}/kite` });
      kc.setAccessToken(t.token('viewer'));
      const e = await failure(
        kc.getHistoricalData(INFY, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
      );
      assert.equal(e.error_type, 'PermissionException');
      assert.match(e.message, /Kite refused the relay's historical request/);
    } finally {
      await t.close();
    }
  });
});
