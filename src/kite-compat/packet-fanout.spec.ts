import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame } from '../kite/decode-frame.js';
import { encodeFrame } from '../kite/encode-frame.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import { PacketFanout, type PacketSink } from './packet-fanout.js';
import { splitFrame } from './packet-slices.js';

const INFY = 408065;
const TCS = 2953217;

class FakeSink implements PacketSink {
  bufferedAmount = 0;
  readonly sent: Buffer[] = [];
  send(data: Buffer): void {
    this.sent.push(data);
  }
  /** Data frames as [token, length] pairs. */
  packets(): [number, number][][] {
    return this.sent
      .filter((b) => b.length > 1)
      .map((b) => {
        const p = splitFrame(b);
        return p.tokens.map((t, i) => [t, p.lengths[i]]);
      });
  }
}

const counter = () => {
  const c = { n: 0, inc: (k = 1) => void (c.n += k) };
  return c;
};

function setup() {
  let now = 1_000_000;
  const m = {
    frames: counter(),
    bytes: counter(),
    packets: counter(),
    heartbeats: counter(),
    conflated: counter(),
  };
  const sut = new PacketFanout({ slowBytes: 1000, heartbeatMs: 1000, now: () => now }, m);
  return { sut, m, advance: (ms: number) => (now += ms) };
}

function tick(token: number, price: number): Tick {
  return {
    instrument_token: token,
    mode: 'full',
    tradable: true,
    last_price: price,
    last_quantity: 1,
    average_price: price,
    volume: price * 10,
    buy_quantity: 5,
    sell_quantity: 6,
    ohlc: { open: 1, high: 2, low: 1, close: 1 },
    change: 0,
    change_percent: 0,
  };
}

const upstream = (...ticks: Tick[]) => encodeFrame(ticks.map((t) => ({ tick: t })));
const subs = (...pairs: [number, TickMode][]) => new Map(pairs);

describe('PacketFanout: upstream packets sliced to each client', () => {
  it('sends each client only its instruments, each in its mode, one frame per upstream frame', () => {
    const { sut } = setup();
    const a = new FakeSink();
    const b = new FakeSink();
    sut.setSubscriptions(sut.add(a), subs([INFY, 'ltp']));
    sut.setSubscriptions(sut.add(b), subs([INFY, 'full'], [TCS, 'quote']));
    sut.ingest(upstream(tick(INFY, 100), tick(TCS, 200), tick(738561, 300)));
    assert.deepEqual(a.packets(), [[[INFY, 8]]]);
    assert.deepEqual(b.packets(), [
      [
        [INFY, 184],
        [TCS, 44],
      ],
    ]);
    assert.equal(decodeFrame(b.sent[0]).ticks[1].last_price, 200);
  });

  it('clients with the same subscriptions share one built frame', () => {
    const { sut, m } = setup();
    const sinks = [new FakeSink(), new FakeSink(), new FakeSink()];
    for (const s of sinks) sut.setSubscriptions(sut.add(s), subs([INFY, 'quote']));
    sut.ingest(upstream(tick(INFY, 100)));
    assert.ok(
      sinks.every((s) => s.sent.length === 1 && s.sent[0] === sinks[0].sent[0]),
      'the same Buffer',
    );
    assert.equal(m.frames.n, 3);
    assert.equal(m.packets.n, 3);
    assert.equal(m.bytes.n, 3 * (2 + 2 + 44));
  });

  it('a client whose subscriptions change moves group; an empty set gets nothing', () => {
    const { sut } = setup();
    const a = new FakeSink();
    const member = sut.add(a);
    sut.setSubscriptions(member, subs([INFY, 'quote']));
    sut.setSubscriptions(member, subs([INFY, 'ltp']));
    sut.ingest(upstream(tick(INFY, 100)));
    sut.setSubscriptions(member, subs());
    sut.ingest(upstream(tick(INFY, 101)));
    assert.deepEqual(a.packets(), [[[INFY, 8]]]);
  });

  it('a snapshot is the latest packet per instrument, cut to the mode, and only if fresh', () => {
    const { sut, advance } = setup();
    sut.ingest(upstream(tick(INFY, 100)));
    sut.ingest(upstream(tick(INFY, 101)));
    advance(3000);
    sut.ingest(upstream(tick(TCS, 200)));
    const a = new FakeSink();
    const member = sut.add(a);
    assert.equal(sut.snapshot(member, [INFY, TCS, 999], 'quote', 2000), 1, 'INFY is 3 s old');
    assert.equal(sut.snapshot(member, [INFY, TCS], 'full', 5000), 2);
    assert.deepEqual(a.packets(), [
      [[TCS, 44]],
      [
        [INFY, 184],
        [TCS, 184],
      ],
    ]);
    assert.equal(decodeFrame(a.sent[1]).ticks[0].last_price, 101);
  });

  it('a slow client gets only the latest packet per instrument once it drains; the others are not held up', () => {
    const { sut, m } = setup();
    const slow = new FakeSink();
    const fast = new FakeSink();
    const sm = sut.add(slow);
    sut.setSubscriptions(sm, subs([INFY, 'quote'], [TCS, 'quote']));
    sut.setSubscriptions(sut.add(fast), subs([INFY, 'quote'], [TCS, 'quote']));
    slow.bufferedAmount = 5000;
    for (let i = 0; i < 10; i++) sut.ingest(upstream(tick(INFY, 100 + i), tick(TCS, 200 + i)));
    assert.equal(fast.sent.length, 10);
    assert.equal(slow.sent.length, 0);
    assert.ok(sut.isSlow(sm));
    assert.equal(m.conflated.n, 18);
    slow.bufferedAmount = 0;
    sut.tick();
    assert.equal(slow.sent.length, 1);
    assert.deepEqual(
      decodeFrame(slow.sent[0]).ticks.map((t) => t.last_price),
      [109, 209],
    );
    assert.ok(!sut.isSlow(sm));
  });

  it('right after an upstream takeover, a packet equal to the latest one of its instrument is not sent again', () => {
    const { sut } = setup();
    const a = new FakeSink();
    sut.setSubscriptions(sut.add(a), subs([INFY, 'quote'], [TCS, 'quote']));
    sut.ingest(upstream(tick(INFY, 100), tick(TCS, 200)));
    sut.ingest(upstream(tick(INFY, 100), tick(TCS, 201)), true);
    sut.ingest(upstream(tick(INFY, 100)), false);
    assert.deepEqual(
      a.sent.map((f) => decodeFrame(f).ticks.map((t) => t.last_price)),
      [[100, 200], [201], [100]],
    );
  });

  it('a heartbeat goes to a client that got nothing for a second, also with no upstream at all', () => {
    const { sut, m, advance } = setup();
    const idle = new FakeSink();
    const busy = new FakeSink();
    sut.setSubscriptions(sut.add(busy), subs([INFY, 'ltp']));
    sut.add(idle);
    advance(999);
    sut.ingest(upstream(tick(INFY, 100)));
    sut.tick();
    assert.equal(idle.sent.length, 0);
    advance(1);
    sut.tick();
    assert.deepEqual(idle.sent, [Buffer.from([0])]);
    assert.equal(busy.sent.length, 1, 'data 1 ms ago: no heartbeat');
    advance(1000);
    sut.tick();
    assert.equal(busy.sent.at(-1)!.length, 1);
    assert.equal(m.heartbeats.n, 3, 'idle twice, busy once');
  });
});
