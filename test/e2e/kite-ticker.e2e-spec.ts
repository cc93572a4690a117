import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import { TokenService } from '../../src/auth/token.service.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import type { Tick } from '../../src/kite/tick.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { KiteBot } from '../helpers/kite-bots.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const INFY = 408065;
const RELIANCE = 738561;
const TCS = 2953217;
const HDFCBANK = 341249;
const NIFTY = 256265;

/** A Socket.IO tick in the official parser's names, as a KiteTicker bot would see it. */
function asKiteTicker(t: Tick): Record<string, unknown> {
  const out: Record<string, unknown> = {
    tradable: t.tradable,
    mode: t.mode,
    instrument_token: t.instrument_token,
    last_price: t.last_price,
  };
  if (t.mode === 'ltp') return out;
  out.ohlc = t.ohlc;
  if (t.tradable) {
    Object.assign(out, {
      last_traded_quantity: t.last_quantity,
      average_traded_price: t.average_price,
      volume_traded: t.volume,
      total_buy_quantity: t.buy_quantity,
      total_sell_quantity: t.sell_quantity,
    });
  }
  if (t.mode === 'full' && t.tradable) {
    Object.assign(out, {
      oi: t.oi,
      oi_day_high: t.oi_day_high,
      oi_day_low: t.oi_day_low,
      depth: t.depth,
      last_trade_time: t.last_trade_time ? Math.round(Date.parse(t.last_trade_time) / 1000) : null,
    });
  }
  return out;
}

/** The fields of an official tick that the comparison covers (its `change` is a percentage; times differ in type). */
function comparable(k: Record<string, any>): Record<string, unknown> {
  const { change: _c, exchange_timestamp: _e, at: _a, ...rest } = k;
  return rest;
}

/** Identifies one tick on both protocols: the simulator's volume grows with every trade; indices have none. */
const keyOf = (t: {
  last_price: number;
  volume_traded?: number;
  ohlc?: { open: number; high: number; low: number; close: number };
}) => [t.last_price, t.volume_traded, t.ohlc?.open, t.ohlc?.high, t.ohlc?.low, t.ohlc?.close].join(':');

describe('kite-ws: the official KiteTicker (kiteconnect 5.3) pointed at the relay with `root`', () => {
  let t: TestApp;
  let root: string;
  const bots: KiteBot[] = [];
  const sockets: Socket[] = [];
  let n = 0;
  const bot = (subscribe: Record<string, number[]>, then?: Record<string, number[]>) => {
    const token = t.get(TokenService).mint(`ticker-bot-${++n}`, 'viewer', '1h').token;
    const b = new KiteBot(root, token, subscribe, then);
    bots.push(b);
    return b;
  };
  const dashboard = async (instruments: number[], mode: 'ltp' | 'quote' | 'full') => {
    const s = t.client({ token: t.token() });
    sockets.push(s);
    const got: Tick[] = [];
    s.on('ticks', (ticks) => got.push(...ticks));
    await t.connected(s);
    const ack = await s.timeout(5000).emitWithAck('subscribe', { instruments, mode });
    assert.equal(ack.ok, true);
    return got;
  };

  before(async () => {
    t = await TestApp.start({
      env: { MAX_CONNECTIONS_PER_USER: '20', MAX_UNAUTHENTICATED_PER_ADDRESS: '50' },
    });
    root = `${t.url.replace(/^http/, 'ws')}/kite/ws`;
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > 1000, 'instrument master');
  });
  after(async () => {
    for (const b of bots) b.stop();
    for (const s of sockets) s.disconnect();
    await t.close();
  });

  it('connects, subscribes, changes modes, and decodes exactly what a Socket.IO client of the same instrument and mode gets', async () => {
    const full = await dashboard([TCS, RELIANCE], 'full');
    const quote = await dashboard([RELIANCE, NIFTY], 'quote');
    const ltp = await dashboard([INFY], 'ltp');
    const b = bot({ full: [TCS], quote: [RELIANCE, NIFTY], ltp: [INFY] }, { full: [RELIANCE] });
    const sio = (list: Tick[], token: number, mode: string) =>
      new Map(
        list
          .filter((x) => x.instrument_token === token && x.mode === mode)
          .map((x) => [keyOf(asKiteTicker(x) as any), asKiteTicker(x)]),
      );
    const matched = (token: number, mode: string, list: Tick[]) => {
      const theirs = sio(list, token, mode);
      return b
        .ticks(token)
        .filter((k) => k.mode === mode && theirs.has(keyOf(k)))
        .map((k) => [comparable(k), theirs.get(keyOf(k))]);
    };
    await waitFor(
      () =>
        matched(TCS, 'full', full).length >= 5 &&
        matched(RELIANCE, 'quote', quote).length >= 5 &&
        matched(NIFTY, 'quote', quote).length >= 2 &&
        matched(RELIANCE, 'full', full).length >= 5 &&
        matched(INFY, 'ltp', ltp).length >= 5,
      'ticks of every instrument and mode on both protocols, and RELIANCE after its mode change',
      20_000,
    );
    for (const [token, mode, list] of [
      [TCS, 'full', full],
      [RELIANCE, 'quote', quote],
      [RELIANCE, 'full', full],
      [NIFTY, 'quote', quote],
      [INFY, 'ltp', ltp],
    ] as const) {
      for (const [kite, socketIo] of matched(token, mode, list)) {
        assert.deepEqual(kite, socketIo, `${token} ${mode}`);
      }
    }
    // A new subscription starts in quote (as on Kite) until the bot's mode message is handled.
    const want: Record<number, string> = { [TCS]: 'full', [NIFTY]: 'quote', [INFY]: 'ltp' };
    for (const [token, mode] of Object.entries(want)) {
      const seen = b.ticks(Number(token)).map((k) => k.mode as string);
      assert.ok(
        seen.every((m) => m === mode || m === 'quote'),
        `${token}: ${[...new Set(seen)].join(',')}`,
      );
      assert.equal(seen.at(-1), mode);
    }
    const changed = b.indexOf('mode_changed');
    assert.ok(changed > 0);
    // Once the first full tick of RELIANCE is in, no quote one follows.
    const rel = b.ticks(RELIANCE);
    const firstFull = rel.findIndex((k) => k.mode === 'full');
    assert.ok(rel[firstFull].at > changed, 'full only after the mode change');
    assert.ok(rel.slice(firstFull).every((k) => k.mode === 'full'));
    assert.equal(b.indexOf('error'), -1);
    assert.equal(b.indexOf('close'), -1);
  });

  it('5 KiteTicker bots and 5 Socket.IO dashboards share 1 upstream connection', async () => {
    const tokens = [INFY, RELIANCE, TCS, HDFCBANK, NIFTY];
    const five = tokens.map((tk, i) => bot({ quote: [tk, tokens[(i + 1) % 5]] }));
    const dashboards = await Promise.all(tokens.map((tk) => dashboard([tk], 'quote')));
    await waitFor(
      () => five.every((b) => new Set(b.ticks().map((k) => k.instrument_token)).size === 2),
      'every bot gets both its instruments',
      20_000,
    );
    await waitFor(() => dashboards.every((d) => d.length > 0), 'every dashboard gets ticks');
    const stats = await t.simStats();
    assert.equal(stats.ws_connections_open, 1);
    assert.equal(stats.ws_connections_peak, 1, 'never a second upstream connection');
    assert.ok(five.every((b) => b.exited === undefined && b.indexOf('error') === -1));
  });
});
