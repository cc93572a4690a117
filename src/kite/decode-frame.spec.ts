import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { decodeFrame } from './decode-frame.js';
import { encodeFrame, packetLength } from './encode-frame.js';
import type { Tick } from './tick.js';
import type { TickMode } from './kite.constants.js';

// Zerodha's official mocks, copied from shared/fixtures/kite (zerodha/kiteconnect-mocks).
const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'kite');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

/** Wraps one bare packet (as the fixtures store it) in a frame header. */
function frameOf(...packets: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from([packets.length >> 8, packets.length & 0xff])];
  for (const p of packets) parts.push(Buffer.from([p.length >> 8, p.length & 0xff]), p);
  return Buffer.concat(parts);
}

function withoutAdditions(t: Tick): Record<string, unknown> {
  const { change_percent: _cp, symbol: _s, ...rest } = t;
  return rest;
}

describe('decodeFrame against the official Kite fixtures', () => {
  for (const [packet, json] of [
    ['ticker_full.packet', 'ticker_full.json'],
    ['ticker_quote.packet', 'ticker_quote.json'],
  ]) {
    it(`${packet} decodes to exactly ${json} plus change_percent`, () => {
      const sut = decodeFrame(frameOf(Buffer.from(fixture(packet).trim(), 'base64')));
      assert.equal(sut.error, undefined);
      assert.equal(sut.ticks.length, 1);
      const expected = JSON.parse(fixture(json)) as Record<string, unknown>;
      const t = sut.ticks[0];
      // The official quote mock copies `change` from the full mock (5.9, though its last_price
      // gives 5.35); every other field must match exactly, and change is last_price − close.
      if (json === 'ticker_quote.json') expected.change = t.last_price - t.ohlc!.close;
      assert.deepStrictEqual(withoutAdditions(t), expected);
      assert.equal(t.change, t.last_price - t.ohlc!.close);
      assert.equal(t.change_percent, ((t.last_price - t.ohlc!.close) * 100) / t.ohlc!.close);
    });
  }

  it('an LTP packet decodes to exactly ticker_ltp.json', () => {
    const expected = JSON.parse(fixture('ticker_ltp.json')) as Tick;
    const frame = encodeFrame([{ tick: expected }]);
    assert.deepStrictEqual(decodeFrame(frame).ticks, [expected]);
  });
});

const sample = (token: number, mode: TickMode): Tick => {
  const index = (token & 0xff) === 9;
  const d = (token & 0xff) === 3 ? 1e7 : (token & 0xff) === 6 ? 1e4 : 100;
  const p = (x: number) => Math.round(x * d) / d;
  const t: Tick = { mode, tradable: !index, instrument_token: token, last_price: p(101.25) };
  if (mode === 'ltp') return t;
  const ohlc = { open: p(100), high: p(102.5), low: p(99.5), close: p(100.5) };
  if (index) {
    Object.assign(t, {
      ohlc,
      change: t.last_price - ohlc.close,
      change_percent: ((t.last_price - ohlc.close) * 100) / ohlc.close,
    });
    if (mode === 'full') t.timestamp = '2026-12-01T09:15:03+05:30';
    return t;
  }
  Object.assign(t, {
    last_quantity: 3,
    average_price: p(100.75),
    volume: 3_000_000_000,
    buy_quantity: 4_000_000_000,
    sell_quantity: 12,
    ohlc,
    change: t.last_price - ohlc.close,
    change_percent: ((t.last_price - ohlc.close) * 100) / ohlc.close,
  });
  if (mode === 'full') {
    Object.assign(t, {
      last_trade_time: '2026-12-01T09:15:02+05:30',
      oi: 2_500_000_000,
      oi_day_high: 2_600_000_000,
      oi_day_low: 1,
      timestamp: '2026-12-01T09:15:03+05:30',
      depth: {
        buy: [1, 2, 3, 4, 5].map((i) => ({ price: p(101 - i * 0.05), quantity: 100 * i, orders: i })),
        sell: [1, 2, 3, 4, 5].map((i) => ({
          price: p(101.3 + i * 0.05),
          quantity: 4_000_000_000 + i,
          orders: 65535,
        })),
      },
    });
  }
  return t;
};

describe('encodeFrame → decodeFrame round trips', () => {
  // NSE equity, NSE CDS (divisor 1e7), BSE CDS (divisor 1e4), NSE index (not tradable).
  for (const token of [408065, 0x12345603, 0x0abc06, 256265]) {
    for (const mode of ['ltp', 'quote', 'full'] as const) {
      it(`token ${token} in ${mode} mode (${packetLength(token, mode)} bytes)`, () => {
        const tick = sample(token, mode);
        const sut = decodeFrame(encodeFrame([{ tick }, { tick }]));
        assert.equal(sut.error, undefined);
        assert.deepStrictEqual(sut.ticks, [tick, tick]);
      });
    }
  }

  it('keeps unsigned fields positive past 2^31', () => {
    const [t] = decodeFrame(encodeFrame([{ tick: sample(408065, 'full') }])).ticks;
    assert.equal(t.volume, 3_000_000_000);
    assert.equal(t.oi, 2_500_000_000);
    assert.equal(t.depth!.sell[0].quantity, 4_000_000_001);
  });

  it('decodes negative prices (a future can trade below zero)', () => {
    const tick = { ...sample(408065, 'quote'), last_price: -37.63 };
    tick.change = tick.last_price - tick.ohlc!.close;
    tick.change_percent = (tick.change * 100) / tick.ohlc!.close;
    assert.deepStrictEqual(decodeFrame(encodeFrame([{ tick }])).ticks, [tick]);
  });
});

describe('decodeFrame on malformed input', () => {
  const valid = encodeFrame([
    { tick: sample(408065, 'full') },
    { tick: sample(256265, 'quote') },
    { tick: sample(738561, 'ltp') },
  ]);

  it('a 1-byte frame is a heartbeat', () => {
    assert.equal(decodeFrame(Buffer.from([0])).heartbeat, true);
  });

  it('truncation at every byte offset never throws, never invents a tick, and is reported', () => {
    const whole = decodeFrame(valid).ticks;
    for (let n = 0; n < valid.length; n++) {
      const sut = decodeFrame(valid.subarray(0, n));
      if (n === 1) continue; // a single byte is a heartbeat by definition
      assert.ok(sut.error, `no error at length ${n}`);
      assert.ok(sut.ticks.length < 3);
      sut.ticks.forEach((t, i) => assert.deepStrictEqual(t, whole[i]));
    }
  });

  it('a packet count that overruns the buffer is reported with the ticks before it', () => {
    const bad = Buffer.from(valid);
    bad.writeUInt16BE(9, 0);
    const sut = decodeFrame(bad);
    assert.equal(sut.error, 'packet_overrun');
    assert.equal(sut.ticks.length, 3);
  });

  it('a packet of an unknown size is skipped and counted; the rest decode', () => {
    const odd = Buffer.alloc(13, 7);
    const frame = frameOf(odd, Buffer.from(fixture('ticker_quote.packet').trim(), 'base64'));
    const sut = decodeFrame(frame);
    assert.equal(sut.error, undefined);
    assert.equal(sut.skipped, 1);
    assert.equal(sut.ticks[0].instrument_token, 408065);
  });

  it('trailing bytes after the last packet are reported', () => {
    assert.equal(decodeFrame(Buffer.concat([valid, Buffer.from([1, 2, 3])])).error, 'trailing_bytes');
  });

  it('random bytes never throw and never read past the buffer', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 5000; i++) {
      const buf = Buffer.alloc(Math.floor(rnd() * 400));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rnd() * 256);
      if (buf.length > 2 && rnd() < 0.5) buf.writeUInt16BE(Math.floor(rnd() * 4), 0);
      // A view into a larger buffer: reading past the view would pick up these 0xEE bytes.
      const host = Buffer.alloc(buf.length + 64, 0xee);
      buf.copy(host, 16);
      const sut = decodeFrame(host.subarray(16, 16 + buf.length));
      for (const t of sut.ticks) assert.notEqual(t.instrument_token, 0xeeeeeeee);
    }
  });
});

describe('decodeFrame agrees with KiteTicker.parseBinary', () => {
  const require = createRequire(import.meta.url);
  const { KiteTicker } = require('kiteconnect') as {
    KiteTicker: new (p: { api_key: string; access_token: string }) => {
      parseBinary(b: ArrayBufferLike): Record<string, unknown>[];
    };
  };
  const reference = new KiteTicker({ api_key: 'k', access_token: 't' });

  it('on randomized frames, for every field it reads correctly (values below 2^31)', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
    const segs = [1, 2, 3, 6, 9, 11];
    for (let f = 0; f < 300; f++) {
      const items = Array.from({ length: 1 + rnd(20) }, () => {
        const token = (rnd(100000) << 8) | segs[rnd(segs.length)];
        const mode = (['ltp', 'quote', 'full'] as const)[rnd(3)];
        const t = sample(token, mode);
        t.last_price = rnd(5_000_000) / 100;
        if (t.volume !== undefined) t.volume = rnd(2 ** 31 - 1);
        if (t.buy_quantity !== undefined) t.buy_quantity = rnd(2 ** 31 - 1);
        if (t.oi !== undefined) t.oi = rnd(2 ** 31 - 1);
        t.depth?.sell.forEach((e) => (e.quantity = rnd(2 ** 31 - 1)));
        return { tick: t };
      });
      const frame = encodeFrame(items);
      const ours = decodeFrame(frame).ticks;
      const ab = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
      const theirs = reference.parseBinary(ab);
      assert.equal(ours.length, theirs.length);
      ours.forEach((o, i) => {
        const r = theirs[i] as Record<string, any>;
        assert.equal(o.instrument_token, r.instrument_token);
        assert.equal(o.mode, r.mode);
        assert.equal(o.tradable, r.tradable);
        assert.equal(o.last_price, r.last_price);
        if (o.mode === 'ltp') return;
        assert.deepStrictEqual(o.ohlc, {
          open: r.ohlc.open,
          high: r.ohlc.high,
          low: r.ohlc.low,
          close: r.ohlc.close,
        });
        // Kite's parser reports change as a percentage; ours keeps it as change_percent.
        if (o.ohlc.close !== 0) assert.ok(Math.abs(o.change_percent! - r.change) < 1e-9);
        if (r.volume_traded === undefined) return;
        assert.equal(o.volume, r.volume_traded);
        assert.equal(o.last_quantity, r.last_traded_quantity);
        assert.equal(o.average_price, r.average_traded_price);
        assert.equal(o.buy_quantity, r.total_buy_quantity);
        assert.equal(o.sell_quantity, r.total_sell_quantity);
        if (o.mode !== 'full') return;
        assert.equal(Date.parse(o.timestamp!), (r.exchange_timestamp as Date).getTime());
        assert.equal(Date.parse(o.last_trade_time!), (r.last_trade_time as Date).getTime());
        assert.equal(o.oi, r.oi);
        assert.deepStrictEqual(
          o.depth!.buy.map((e) => [e.price, e.quantity, e.orders]),
          r.depth.buy.map((e: any) => [e.price, e.quantity, e.orders]),
        );
      });
    }
  });

  it('where it reads a volume past 2^31 as negative, ours stays positive', () => {
    const frame = encodeFrame([{ tick: sample(408065, 'quote') }]);
    const r = reference.parseBinary(
      frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength),
    )[0];
    assert.ok((r.volume_traded as number) < 0);
    assert.equal(decodeFrame(frame).ticks[0].volume, 3_000_000_000);
  });
});
