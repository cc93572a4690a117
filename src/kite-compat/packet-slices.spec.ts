import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame } from '../kite/decode-frame.js';
import { encodeFrame } from '../kite/encode-frame.js';
import type { TickMode } from '../kite/kite.constants.js';
import { frameOfPackets, frameOfSlices, sliceLength, splitFrame } from './packet-slices.js';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'kite');
const fullPacket = Buffer.from(readFileSync(join(fixtures, 'ticker_full.packet'), 'utf8').trim(), 'base64');
const INDEX = 256265;

const index = decodeFrame(
  encodeFrame([
    {
      tick: {
        instrument_token: INDEX,
        mode: 'full',
        tradable: false,
        last_price: 24_000.5,
        ohlc: { open: 23_900, high: 24_100, low: 23_800, close: 23_950 },
        change: 50.5,
        change_percent: 0.2,
        timestamp: '2026-12-01T10:00:00+05:30',
      },
    },
  ]),
).ticks[0];

describe('splitFrame: the packet boundaries of an upstream frame', () => {
  it('finds every packet, its token and its length', () => {
    const frame = frameOfPackets([fullPacket, fullPacket.subarray(0, 8)]);
    const sut = splitFrame(frame);
    assert.equal(sut.count, 2);
    assert.deepEqual(sut.lengths, [184, 8]);
    assert.deepEqual(sut.starts, [4, 4 + 184 + 2]);
    assert.deepEqual(sut.tokens, [fullPacket.readUInt32BE(0), fullPacket.readUInt32BE(0)]);
  });

  it('a heartbeat, an empty frame, an overrun or an unknown length yields what lies wholly inside', () => {
    assert.equal(splitFrame(Buffer.from([0])).count, 0);
    assert.equal(splitFrame(Buffer.alloc(0)).count, 0);
    const good = frameOfPackets([fullPacket]);
    assert.equal(splitFrame(good.subarray(0, good.length - 1)).count, 0, 'truncated packet');
    const overCount = Buffer.from(good);
    overCount.writeUInt16BE(9, 0);
    assert.equal(splitFrame(overCount).count, 1, 'a header that promises more');
    assert.equal(
      splitFrame(frameOfPackets([Buffer.alloc(12), fullPacket])).count,
      1,
      'a 12-byte packet is skipped',
    );
  });
});

describe('sliceLength: a lower mode is a byte prefix of a higher one', () => {
  const cases: [TickMode, number, number][] = [
    ['ltp', 8, 8],
    ['ltp', 28, 8],
    ['ltp', 32, 8],
    ['ltp', 44, 8],
    ['ltp', 184, 8],
    ['quote', 8, 0],
    ['quote', 28, 28],
    ['quote', 32, 28],
    ['quote', 44, 44],
    ['quote', 184, 44],
    ['full', 8, 0],
    ['full', 28, 0],
    ['full', 32, 32],
    ['full', 44, 0],
    ['full', 184, 184],
  ];
  for (const [mode, from, want] of cases) {
    it(`${mode} from a ${from}-byte packet: ${want} bytes`, () =>
      assert.equal(sliceLength(mode, from), want));
  }
});

describe('frameOfSlices: slices decode as the packets Kite sends in each mode', () => {
  for (const mode of ['ltp', 'quote', 'full'] as const) {
    it(`the official full packet and an index, cut to ${mode}`, () => {
      const up = frameOfPackets([fullPacket, encodeFrame([{ tick: index }]).subarray(4)]);
      const p = splitFrame(up);
      const lengths = p.lengths.map((l) => sliceLength(mode, l));
      const sut = frameOfSlices(up, p.starts, lengths, p.count);
      assert.equal(sut.readUInt16BE(0), 2, 'header count');
      const full = decodeFrame(up).ticks;
      const expected = encodeFrame(full.map((tick) => ({ tick, mode })));
      assert.deepEqual(sut, expected, 'byte for byte what the encoder writes in that mode');
      assert.deepEqual(
        decodeFrame(sut).ticks.map((t) => t.mode),
        [mode, mode],
      );
    });
  }
});
