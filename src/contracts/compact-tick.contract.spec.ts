import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame } from '../kite/decode-frame.js';
import { encodeFrame } from '../kite/encode-frame.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import {
  COMPACT_FIELDS,
  COMPACT_MODE,
  COMPACT_SELL_QUANTITY,
  compactRow,
  decodeCompactRow,
} from './compact-tick.contract.js';

const root = join(import.meta.dirname, '..', '..', '..');
const packet = (name: string) =>
  Buffer.from(readFileSync(join(root, 'test', 'fixtures', 'kite', name), 'utf8').trim(), 'base64');
/** Decodes bare packets (as the fixtures store them) through the real frame decoder. */
function decodePackets(...packets: Buffer[]): Tick[] {
  const parts: Buffer[] = [Buffer.from([0, packets.length])];
  for (const p of packets) parts.push(Buffer.from([p.length >> 8, p.length & 0xff]), p);
  return decodeFrame(Buffer.concat(parts)).ticks;
}
/** Re-encodes a tick as Kite would send it for `token` in `mode`, and decodes it again. */
const kite = (tick: Tick, mode: TickMode, token = tick.instrument_token): Tick =>
  decodeFrame(encodeFrame([{ tick: { ...tick, instrument_token: token }, mode }])).ticks[0];

const [full] = decodePackets(packet('ticker_full.packet'));
const [quote] = decodePackets(packet('ticker_quote.packet'));
const NIFTY = 256265;
// Every shape the decoder makes: equity ltp/quote/full (the official fixtures), an index's
// quote and full packets (no quantities; full carries only a timestamp), a full tick whose
// times Kite sent as 0 (null), with and without the symbol the feed adds.
const cases: [string, Tick][] = [
  ['ltp', kite(full, 'ltp')],
  ['ltp with symbol', { ...kite(full, 'ltp'), symbol: 'NSE:INFY' }],
  ['quote (ticker_quote.packet)', quote],
  ['quote with symbol', { ...quote, symbol: 'NSE:INFY' }],
  ['full with depth (ticker_full.packet)', full],
  ['full with symbol', { ...full, symbol: 'NSE:INFY' }],
  ['full with no trade time', { ...full, last_trade_time: null, timestamp: null }],
  ['index ltp', kite(full, 'ltp', NIFTY)],
  ['index quote', { ...kite(full, 'quote', NIFTY), symbol: 'NSE:NIFTY 50' }],
  ['index full', { ...kite(full, 'full', NIFTY), symbol: 'NSE:NIFTY 50' }],
  ['index full without a timestamp', { ...kite(full, 'full', NIFTY), timestamp: null }],
];

/** The wire: what a client's JSON.parse gives for what the server's JSON.stringify wrote. */
const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** The value a row must hold for one documented field name. */
function expected(t: Tick, field: string): unknown {
  switch (field) {
    case 'mode':
      return COMPACT_MODE[t.mode];
    case 'tradable':
      return t.tradable ? 1 : 0;
    case 'open':
    case 'high':
    case 'low':
    case 'close':
      return t.ohlc?.[field] ?? null;
    case 'depth':
      return t.depth
        ? [t.depth.buy, t.depth.sell].map((side) => side.map((d) => [d.price, d.quantity, d.orders]))
        : null;
    default:
      return t[field as keyof Tick] ?? null;
  }
}

describe('compact tick rows', () => {
  for (const [name, tick] of cases) {
    it(`${name}: the decoded row equals the tick object the ticks event carries`, () => {
      const row = wire(compactRow(tick));
      assert.deepStrictEqual(decodeCompactRow(row), wire(tick));
    });
  }

  it('each position holds the field the docs name there, in every mode', () => {
    const docs = readFileSync(join(root, 'docs', 'socket-protocol.md'), 'utf8');
    for (const mode of ['ltp', 'quote', 'full'] as const) {
      const line = new RegExp(`^\\| \`${mode}\` \\| \`\\[([^\\]]+)\\]\` \\|$`, 'm').exec(docs);
      assert.ok(line, `docs/socket-protocol.md documents the ${mode} row`);
      assert.deepStrictEqual(line[1].split(', '), [...COMPACT_FIELDS[mode]], `${mode} order`);
    }
    for (const [name, tick] of cases) {
      const row: unknown[] = compactRow(tick);
      const index = tick.mode === 'full' && tick.depth === undefined;
      const fields = index ? COMPACT_FIELDS.full.slice(0, 17) : COMPACT_FIELDS[tick.mode];
      assert.equal(row.length, fields.length, `${name}: length`);
      fields.forEach((f, i) => assert.deepStrictEqual(row[i], expected(tick, f), `${name}: ${f} at ${i}`));
    }
  });

  it('a quote row carries sell_quantity where the bench reads its latency stamp', () => {
    const row: unknown[] = compactRow(quote);
    assert.equal(COMPACT_SELL_QUANTITY, 9);
    assert.equal(row[COMPACT_SELL_QUANTITY], quote.sell_quantity);
  });

  it('is smaller on the wire than the tick object', () => {
    for (const [name, tick] of cases) {
      const ratio = JSON.stringify(compactRow(tick)).length / JSON.stringify(tick).length;
      assert.ok(ratio < 0.7, `${name}: ${ratio.toFixed(2)}`);
    }
  });
});
