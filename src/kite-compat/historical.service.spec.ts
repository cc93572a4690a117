import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KiteApiService } from '../auth/kite-api.service.js';
import { FakeClock } from '../clock/clock.js';
import type { ClusterHistoricalGate } from '../cluster/cluster-historical-gate.js';
import type { HistoricalStore } from '../redis/historical.store.js';
import type { RedisClients } from '../redis/redis-clients.js';
import type { HistoricalRequest } from './historical-params.js';
import {
  HistoricalQueueFullError,
  HistoricalService,
  HistoricalWaitError,
  MAX_HISTORICAL_WAIT_MS,
  MAX_QUEUED_HISTORICAL_PER_USER,
} from './historical.service.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A historical service whose slot opens only when the test says, on a fake clock, without Redis. */
function setup() {
  const clock = new FakeClock('2026-12-01T11:00:00+05:30');
  const turns: (() => void)[] = [];
  const gate = { wait: () => new Promise<void>((r) => turns.push(r)) } as unknown as ClusterHistoricalGate;
  const asked: number[] = [];
  const kite = {
    call: (_what: string, fn: (k: unknown) => Promise<unknown>) =>
      fn({
        getHistoricalData: async (token: number) => {
          asked.push(token);
          return [{ date: new Date(clock.now()), open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 }];
        },
      }),
  } as unknown as KiteApiService;
  const redis = { configured: false, up: false } as unknown as RedisClients;
  const sut = new HistoricalService(kite, gate, {} as HistoricalStore, redis, clock);
  // Ranges that reach the candle in progress: never cached, each asks Kite.
  const req = (token: number): HistoricalRequest => ({
    token,
    interval: 'minute',
    from: '2026-12-01 09:15:00',
    to: '2026-12-01 15:30:00',
    fromMs: Date.parse('2026-12-01T09:15:00+05:30'),
    toMs: Date.parse('2026-12-01T15:30:00+05:30'),
    continuous: false,
    oi: false,
  });
  const open = () => turns.shift()?.();
  return { clock, sut, req, open, asked };
}

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'answered',
    (e: unknown) => e,
  );

describe('HistoricalService: how long and how much a user waits for the historical slot', () => {
  it('a request that has not had its turn after MAX_HISTORICAL_WAIT_MS fails with a Retry-After, and Kite is not asked', async () => {
    const { clock, sut, req, open, asked } = setup();
    const first = outcome(sut.get(req(1), 'busy'));
    const waiting = outcome(sut.get(req(2), 'busy'));
    await settle();
    open();
    await settle();
    assert.equal(await first, 'answered');
    clock.advance(MAX_HISTORICAL_WAIT_MS - 1);
    await settle();
    let settled = false;
    void waiting.then(() => (settled = true));
    await settle();
    assert.equal(settled, false, 'still waiting just before the bound');
    clock.advance(1);
    const e = await waiting;
    assert.ok(e instanceof HistoricalWaitError, String(e));
    assert.ok(e.retryAfterS >= 1);
    // Its slot, when it comes, is not spent on the request given up.
    open();
    await settle();
    assert.deepEqual(asked, [1]);
    sut.onApplicationShutdown();
  });

  it('a request taken before the bound is answered, however long Kite then takes', async () => {
    const { clock, sut, req, open } = setup();
    const p = outcome(sut.get(req(1), 'alice'));
    await settle();
    clock.advance(MAX_HISTORICAL_WAIT_MS - 1);
    open();
    await settle();
    clock.advance(60_000);
    assert.equal(await p, 'answered');
    sut.onApplicationShutdown();
  });

  it('past MAX_QUEUED_HISTORICAL_PER_USER waiting, the user gets a queue-full error; other users are still queued', async () => {
    const { sut, req } = setup();
    const mine = Array.from({ length: MAX_QUEUED_HISTORICAL_PER_USER }, (_, i) =>
      outcome(sut.get(req(100 + i), 'busy')),
    );
    const over = await outcome(sut.get(req(999), 'busy'));
    assert.ok(over instanceof HistoricalQueueFullError, String(over));
    const other = outcome(sut.get(req(5), 'quiet'));
    sut.onApplicationShutdown();
    for (const p of [...mine, other]) assert.match(String(await p), /shutting down/);
  });
});
