import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KiteSessionService } from '../../src/auth/kite-session.service.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { TestApp } from '../helpers/test-app.js';
import { RelayEvents } from '../../src/events/relay-events.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { waitFor, sleep } from '../helpers/wait.js';

const metric = async (t: TestApp, name: string) =>
  (await t.get(MetricsService).registry.getSingleMetric(name)?.get())?.values.reduce(
    (a, v) => a + v.value,
    0,
  ) ?? 0;

describe('market feed: one upstream connection for the whole application', () => {
  let t: TestApp;
  let feed: MarketFeedService;
  let tokens: number[];
  before(async () => {
    t = await TestApp.start({ feedTuning: { watchdogMs: 1500, backoffBaseMs: 200 } });
    feed = t.get(MarketFeedService);
    await t.login();
    await waitFor(() => feed.state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > 1000, 'instrument master');
    tokens = buildUniverse()
      .filter((i) => i.segment === 'NSE')
      .map((i) => i.instrument_token);
  });
  after(async () => {
    feed.release('x');
    await t.close();
  });

  it('100 registry clients over 300 instruments → exactly 1 upstream connection and the union subscribed', async () => {
    for (let c = 0; c < 100; c++) {
      const mine = Array.from({ length: 10 }, (_, i) => tokens[(c * 3 + i) % 300]);
      await feed.acquire(
        `client-${c}`,
        mine.map((token) => ({ token, mode: 'quote' as const })),
      );
    }
    await waitFor(
      async () => (await t.simStats()).subscribed_instruments === 300,
      '300 instruments upstream',
    );
    const stats = await t.simStats();
    assert.equal(stats.ws_connections_open, 1);
    assert.equal(stats.ws_connections_peak, 1);
    await waitFor(async () => (await metric(t, 'kite_relay_ticks_received_total')) > 0, 'ticks flowing');
  });

  it('the last client leaving an instrument unsubscribes it upstream', async () => {
    for (let c = 0; c < 50; c++) feed.release(`client-${c}`);
    const left = new Set<number>();
    for (let c = 50; c < 100; c++) for (let i = 0; i < 10; i++) left.add(tokens[(c * 3 + i) % 300]);
    await waitFor(
      async () => (await t.simStats()).subscribed_instruments === left.size,
      'unsubscribed upstream',
    );
    for (let c = 50; c < 100; c++) feed.release(`client-${c}`);
    await waitFor(async () => (await t.simStats()).subscribed_instruments === 0, 'all released');
  });

  it('/__sim/drop → back to LIVE with every instrument resubscribed, peak still 1', async () => {
    await feed.acquire(
      'x',
      tokens.slice(0, 40).map((token) => ({ token, mode: 'full' as const })),
    );
    await waitFor(async () => (await t.simStats()).subscribed_instruments === 40, '40 subscribed');
    const states: string[] = [];
    const off = t.get(RelayEvents).on('feed.status', (s) => states.push(s.state));
    await t.simControl('drop');
    await waitFor(() => states.includes('RECONNECTING') && feed.state.state === 'LIVE', 'reconnected');
    off();
    const stats = await t.simStats();
    assert.equal(stats.subscribed_instruments, 40);
    assert.equal(stats.ws_connections_peak, 1);
    assert.equal(stats.ws_connections_open, 1);
  });

  it('/__sim/silence longer than the watchdog → reconnect', async () => {
    const before = (await t.simStats()).ws_connections_total;
    await t.simControl('silence', { ms: 2500 });
    await waitFor(async () => (await t.simStats()).ws_connections_total > before, 'watchdog reconnect', 8000);
    await waitFor(() => feed.state.state === 'LIVE', 'LIVE again', 8000);
  });

  it('/__sim/garbage → connection kept, malformed counter up, ticks continue', async () => {
    await waitFor(() => feed.state.state === 'LIVE', 'LIVE');
    const total = (await t.simStats()).ws_connections_total;
    const malformed = await metric(t, 'kite_relay_frames_malformed_total');
    await t.simControl('garbage');
    await waitFor(
      async () => (await metric(t, 'kite_relay_frames_malformed_total')) > malformed,
      'malformed counted',
    );
    const ticks = await metric(t, 'kite_relay_ticks_received_total');
    await waitFor(async () => (await metric(t, 'kite_relay_ticks_received_total')) > ticks, 'ticks continue');
    assert.equal((await t.simStats()).ws_connections_total, total);
  });

  it('/__sim/expire → AUTH_REQUIRED, KiteSessionService EXPIRED, at most one further attempt; a new session → LIVE', async () => {
    const attempts = (await t.simStats()).ws_upgrade_attempts;
    await t.simControl('expire');
    await waitFor(() => feed.state.state === 'AUTH_REQUIRED', 'AUTH_REQUIRED');
    assert.equal(t.get(KiteSessionService).state, 'EXPIRED');
    await sleep(3000); // a window in which no second attempt may come: nothing to wait for
    assert.ok((await t.simStats()).ws_upgrade_attempts - attempts <= 1);
    await t.login();
    await waitFor(() => feed.state.state === 'LIVE', 'LIVE after new session');
    await waitFor(async () => (await t.simStats()).subscribed_instruments === 40, 'resubscribed');
  });

  it('3001 instruments → 2 connections; 9001 → the last refused with capacity', async () => {
    feed.release('x');
    const synth = Array.from({ length: 9001 }, (_, i) => (2_000_000 + i) * 256 + 1);
    await feed.acquire(
      'big',
      synth.slice(0, 3001).map((token) => ({ token, mode: 'ltp' as const })),
    );
    await waitFor(async () => (await t.simStats()).ws_connections_open === 2, '2 connections');
    const r = await feed.acquire(
      'big',
      synth.slice(3001).map((token) => ({ token, mode: 'ltp' as const })),
    );
    assert.equal(r.accepted.length, 5999);
    assert.deepEqual(r.rejected, [{ token: synth[9000], reason: 'capacity' }]);
    await waitFor(async () => (await t.simStats()).ws_connections_open === 3, '3 connections');
    feed.release('big');
    await waitFor(async () => (await t.simStats()).ws_connections_open === 1, 'back to 1 connection');
  });
});
