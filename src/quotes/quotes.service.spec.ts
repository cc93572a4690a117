import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KiteApiService } from '../auth/kite-api.service.js';
import type { CacheService } from '../cache/cache.service.js';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';
import { FakeClock } from '../clock/clock.js';
import type { AppConfigService } from '../config/app-config.service.js';
import type { InstrumentsService } from '../instruments/instruments.service.js';
import type { Tick } from '../kite/tick.js';
import type { QuoteRateGate } from './quote-rate-gate.js';
import { QuoteQueueFullError, QuotesService } from './quotes.service.js';

/** A gate the test opens, one Kite call at a time. */
class ManualGate implements QuoteRateGate {
  private readonly turns: (() => void)[] = [];
  get asking(): number {
    return this.turns.length;
  }
  wait(): Promise<void> {
    return new Promise((resolve) => this.turns.push(resolve));
  }
  open(): void {
    this.turns.shift()?.();
  }
}

const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ok(), what);
};

function setup(maxQueued = 1000) {
  const clock = new FakeClock('2026-12-01T10:00:00+05:30');
  const store = new Map<number, CachedQuote>();
  const calls: number[][] = [];
  const cache = {
    getQuotes: async (tokens: readonly number[]) =>
      new Map(tokens.flatMap((t) => (store.has(t) ? [[t, store.get(t)!] as const] : []))),
    putTicks: (ticks: readonly Tick[], at: number) => {
      for (const tick of ticks) store.set(tick.instrument_token, { tick, as_of: at });
    },
  } as unknown as CacheService;
  const kite = {
    call: async (_what: string, fn: (k: unknown) => Promise<unknown>) =>
      fn({
        getQuote: async (ids: string[]) => {
          calls.push(ids.map(Number));
          return Object.fromEntries(ids.map((id) => [id, { last_price: 100, ohlc: { close: 99 } }]));
        },
      }),
  } as unknown as KiteApiService;
  const instruments = { symbolOf: () => undefined } as unknown as InstrumentsService;
  const gate = new ManualGate();
  const config = { values: { maxQueuedQuotesPerUser: maxQueued } } as AppConfigService;
  const sut = new QuotesService(cache, kite, instruments, clock, gate, config);
  /** Opens the gate once and waits for the call it lets through. */
  const oneCall = async () => {
    await until('the queue asks the gate', () => gate.asking > 0);
    const before = calls.length;
    gate.open();
    await until('a Kite call', () => calls.length > before);
  };
  return { sut, gate, calls, store, clock, oneCall };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('QuotesService: a fair queue in front of Kite’s quote API', () => {
  it('a user asking for one instrument is in the next call, however much another user has queued', async () => {
    const { sut, calls, oneCall } = setup();
    const heavy = [sut.get(range(1, 500), 'alice'), sut.get(range(501, 500), 'alice')];
    await new Promise((r) => setTimeout(r, 1));
    let infyAt = 0;
    const infy = sut.get([408065], 'bob').then((q) => ((infyAt = calls.length), q));
    await oneCall();
    const q = await infy;
    assert.equal(infyAt, 1, 'answered by the first call');
    assert.equal(q.get(408065)?.last_price, 100);
    assert.equal(calls[0].length, 500, 'a full call');
    assert.ok(calls[0].includes(408065));
    await oneCall();
    await oneCall();
    const answers = await Promise.all(heavy);
    assert.equal(answers[0].size + answers[1].size, 1000, 'alice gets all hers, one call later');
    assert.equal(new Set(calls.flat()).size, calls.flat().length, 'no instrument asked twice');
  });

  it('calls are shared round-robin between the users waiting', async () => {
    const { sut, calls, oneCall } = setup();
    void sut.get(range(1, 500), 'a');
    void sut.get(range(1001, 500), 'b');
    void sut.get(range(2001, 100), 'c');
    await new Promise((r) => setTimeout(r, 1));
    await oneCall();
    const per = (from: number) => calls[0].filter((t) => t >= from && t < from + 1000).length;
    assert.deepEqual([per(1), per(1001), per(2001)].sort(), [100, 200, 200]);
  });

  it('past MAX_QUEUED_QUOTES_PER_USER the request is refused whole, with the seconds until the queue drains', async () => {
    const { sut, oneCall } = setup(1000);
    const first = [sut.get(range(1, 500), 'alice'), sut.get(range(501, 500), 'alice')];
    await new Promise((r) => setTimeout(r, 1));
    await assert.rejects(sut.get([5000, 5001], 'alice'), (e: unknown) => {
      assert.ok(e instanceof QuoteQueueFullError);
      assert.equal(e.queued, 1000);
      assert.equal(e.retryAfterS, 3, 'two calls of 500, one per 1.1 s: 2.2 s, rounded up');
      return true;
    });
    const bob = sut.get(range(1, 10), 'bob'); // the same instruments for another user: his own bound
    await oneCall();
    await oneCall();
    assert.equal((await bob).size, 10);
    await Promise.all(first);
    const later = sut.get([5000], 'alice');
    await oneCall();
    assert.equal((await later).size, 1, 'once the queue drained, alice is served again');
  });

  it('concurrent misses of one instrument share one fetch; one in a call already is shared, not queued again', async () => {
    const { sut, calls, oneCall, gate } = setup();
    const a = sut.get([7], 'alice');
    const b = sut.get([7], 'bob');
    await oneCall();
    const c = sut.get([7], 'carol');
    const [qa, qb, qc] = await Promise.all([a, b, c]);
    assert.deepEqual(calls, [[7]]);
    assert.equal(qa.get(7)?.as_of, qb.get(7)?.as_of);
    assert.equal(qc.get(7)?.as_of, qa.get(7)?.as_of);
    assert.equal(gate.asking, 0, 'nothing else waits');
  });

  it('a quote cached while the request waited is served without asking Kite', async () => {
    const { sut, calls, oneCall, store, clock } = setup();
    const p = sut.get([7, 8], 'alice');
    await new Promise((r) => setTimeout(r, 1));
    const tick = { instrument_token: 7, mode: 'full', last_price: 5 } as Tick;
    store.set(7, { tick, as_of: clock.now() });
    await oneCall();
    const q = await p;
    assert.deepEqual(calls, [[8]]);
    assert.equal(q.get(7)?.last_price, 5);
  });

  it('a cached tick of a lower mode than asked for is a miss: a full quote asks Kite, an ltp one does not', async () => {
    const { sut, calls, oneCall, store, clock } = setup();
    const tick = { instrument_token: 7, mode: 'quote', last_price: 5 } as Tick;
    store.set(7, { tick, as_of: clock.now() });
    assert.equal((await sut.get([7], 'alice', 'ltp')).get(7)?.last_price, 5);
    assert.deepEqual(calls, []);
    const full = sut.get([7], 'alice', 'full');
    await oneCall();
    assert.equal((await full).get(7)?.mode, 'full');
    assert.deepEqual(calls, [[7]]);
  });
});
