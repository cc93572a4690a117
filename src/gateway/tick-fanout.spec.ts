import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Counter } from 'prom-client';
import type { Namespace } from 'socket.io';
import type { Tick } from '../kite/tick.js';
import { room } from './client-state.js';
import { TickFanout } from './tick-fanout.js';

const INFY = 408065;
const TCS = 2953217;

const ltp = (token: number, price: number): Tick => ({
  instrument_token: token,
  mode: 'ltp',
  tradable: true,
  last_price: price,
});

/** A namespace of one client in the ltp rooms of INFY and TCS: what the fan-out reads of Socket.IO. */
function namespace() {
  const written: string[] = [];
  const socket = {
    id: 'a',
    rooms: new Set<string>(),
    conn: { writeBuffer: [], write: (p: string) => written.push(p) },
  };
  const rooms = new Map([
    [room(INFY, 'ltp'), new Set(['a'])],
    [room(TCS, 'ltp'), new Set(['a'])],
  ]);
  const ns = { adapter: { rooms }, sockets: new Map([['a', socket]]) } as unknown as Namespace;
  const counter = { inc: () => undefined } as unknown as Counter;
  return { ns, written, m: { delivered: counter, conflated: counter } };
}

/** The last prices of each packet written, in order. */
const prices = (written: string[]) =>
  written.map((p) => (JSON.parse(p.slice(p.indexOf('['))) as [string, Tick[]])[1].map((t) => t.last_price));

describe('TickFanout: when the batch is flushed', () => {
  it('ticks of one turn go out together at the next turn, one packet per client', async (t: TestContext) => {
    const { ns, written, m } = namespace();
    const sut = new TickFanout(ns, m);
    t.after(() => sut.close());
    sut.enqueue([ltp(INFY, 1)]);
    sut.enqueue([ltp(TCS, 2)]);
    assert.equal(written.length, 0, 'not in the same turn');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(prices(written), [[1, 2]]);
    sut.enqueue([ltp(INFY, 3)]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(prices(written), [[1, 2], [3]], 'the next turn: another packet');
  });
});
