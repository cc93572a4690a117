import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { Tick } from '../kite/tick.js';
import { compactRow } from '../contracts/compact-tick.contract.js';
import { MARKET_NAMESPACE } from '../contracts/socket-protocol.contract.js';
import { planFlush, ticksPacket } from './plan-flush.js';

// socket.io-parser is what a socket.io server uses to encode an emit; our packet must equal its output.
const require = createRequire(import.meta.url);
const { Encoder, PacketType } = require('socket.io-parser') as {
  Encoder: new () => { encode(p: { type: number; nsp: string; data: unknown[] }): string[] };
  PacketType: { EVENT: number };
};
const encoded = (ticks: Tick[]) =>
  new Encoder().encode({ type: PacketType.EVENT, nsp: MARKET_NAMESPACE, data: ['ticks', ticks] })[0];
const encodedCompact = (ticks: Tick[]) =>
  new Encoder().encode({
    type: PacketType.EVENT,
    nsp: MARKET_NAMESPACE,
    data: ['ticks_compact', ticks.map(compactRow)],
  })[0];

const tick = (token: number, last: number, extra: Partial<Tick> = {}): Tick => ({
  instrument_token: token,
  mode: 'ltp',
  tradable: true,
  last_price: last,
  ...extra,
});

describe('ticksPacket / planFlush', () => {
  it('writes exactly the wire string socket.io-parser encodes for emit("ticks", …)', () => {
    const ticks = [
      tick(408065, 1573.15, { symbol: 'NSE:INFY' }),
      tick(256265, 24120.5, { symbol: 'NSE:NIFTY 50' }),
    ];
    assert.equal(ticksPacket([JSON.stringify(ticks).slice(1, -1)]), encoded(ticks));
    assert.equal(
      ticksPacket([JSON.stringify([ticks[0]]).slice(1, -1), JSON.stringify([ticks[1]]).slice(1, -1)]),
      encoded(ticks),
    );
    const quoted = [tick(1, 1, { symbol: 'A"B\u2028' })];
    assert.equal(ticksPacket([JSON.stringify(quoted).slice(1, -1)]), encoded(quoted));
  });

  it('gives each client one packet holding the ticks of all its rooms, and counts every delivered tick', () => {
    const batch = new Map([
      ['1:ltp', [tick(1, 10), tick(1, 11)]],
      ['2:ltp', [tick(2, 20)]],
      ['3:ltp', [tick(3, 30)]],
    ]);
    const rooms = new Map([
      ['1:ltp', new Set(['a', 'b'])],
      ['2:ltp', new Set(['a'])],
    ]);
    const plan = planFlush(batch, rooms);
    assert.equal(plan.packets.get('a'), encoded([tick(1, 10), tick(1, 11), tick(2, 20)]));
    assert.equal(plan.packets.get('b'), encoded([tick(1, 10), tick(1, 11)]));
    assert.equal(plan.packets.size, 2, 'a room without members is skipped');
    assert.equal(plan.delivered, 5);
  });

  it('hands a slow client its ticks for conflation instead of a packet', () => {
    const batch = new Map([['1:ltp', [tick(1, 10), tick(1, 11)]]]);
    const rooms = new Map([['1:ltp', new Set(['fast', 'slow'])]]);
    const plan = planFlush(batch, rooms, new Set(['slow']));
    assert.deepEqual([...plan.packets.keys()], ['fast']);
    assert.deepEqual(plan.conflate.get('slow'), [tick(1, 10), tick(1, 11)]);
    assert.equal(plan.delivered, 2);
  });

  it('gives compact clients ticks_compact rows and JSON clients the same packet as before, in the same room', () => {
    const batch = new Map([
      ['1:ltp', [tick(1, 10, { symbol: 'NSE:A' }), tick(1, 11)]],
      ['2:ltp', [tick(2, 20)]],
    ]);
    const rooms = new Map([
      ['1:ltp', new Set(['json', 'compact', 'slow'])],
      ['2:ltp', new Set(['compact'])],
    ]);
    const plan = planFlush(batch, rooms, new Set(['slow']), new Set(['compact', 'slow']));
    assert.equal(plan.packets.get('json'), encoded(batch.get('1:ltp')!));
    assert.equal(plan.packets.get('compact'), encodedCompact([...batch.get('1:ltp')!, tick(2, 20)]));
    assert.deepEqual(plan.conflate.get('slow'), batch.get('1:ltp'), 'a slow client is conflated as ticks');
    assert.equal(plan.delivered, 5);
  });

  it("serializes each room once per encoding, and an encoding only when one of the room's clients uses it", () => {
    let reads = 0;
    /** A tick that counts how often it is serialized: both encodings read its mode once. */
    const counted = (token: number) =>
      new Proxy(tick(token, 1), {
        get: (t, key: keyof Tick) => {
          if (key === 'mode') reads++;
          return t[key];
        },
      });
    const serializations = (members: string[]) => {
      reads = 0;
      planFlush(
        new Map([['1:ltp', [counted(1)]]]),
        new Map([['1:ltp', new Set(members)]]),
        undefined,
        new Set(['c1', 'c2']),
      );
      return reads;
    };
    assert.equal(serializations(['j1', 'j2', 'j3']), 1, 'JSON only: no rows');
    assert.equal(serializations(['c1', 'c2']), 1, 'compact only: no JSON');
    assert.equal(serializations(['j1', 'c1', 'j2', 'c2']), 2, 'both: once each');
  });
});
