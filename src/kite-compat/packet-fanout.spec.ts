import { describe, it, type TestContext } from 'node:test';
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
  /** What send was given, uncopied. */
  readonly given: Buffer[] = [];
  send(data: Buffer): void {
    this.given.push(data);
    // The fan-out may reuse the buffer once send returns (held frames), as the real sink copies it.
    this.sent.push(Buffer.from(data));
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

function setup(frameWindowMs = 0) {
  let now = 1_000_000;
  const m = {
    frames: counter(),
    bytes: counter(),
    packets: counter(),
    heartbeats: counter(),
    conflated: counter(),
  };
  const sut = new PacketFanout({ slowBytes: 1000, heartbeatMs: 1000, frameWindowMs, now: () => now }, m);
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
      sinks.every((s) => s.given.length === 1 && s.given[0] === sinks[0].given[0]),
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

describe('PacketFanout with KITE_WS_FLUSH_MS: at most one data frame per client per window', () => {
  /** The fan-out's clock and its one timer move together. */
  function windowed(t: TestContext, ms: number) {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const s = setup(ms);
    return {
      ...s,
      advance: (by: number) => {
        s.advance(by);
        t.mock.timers.tick(by);
      },
    };
  }
  const prices = (sink: FakeSink) =>
    sink.sent.filter((f) => f.length > 1).map((f) => decodeFrame(f).ticks.map((x) => x.last_price));

  it('the first frame goes at once; frames within the window wait and go out together, in order, none dropped', (t) => {
    const { sut, m, advance } = windowed(t, 100);
    const a = new FakeSink();
    sut.setSubscriptions(sut.add(a), subs([INFY, 'quote'], [TCS, 'ltp']));
    sut.ingest(upstream(tick(INFY, 100)));
    assert.deepEqual(prices(a), [[100]], 'nothing sent before: no wait');
    advance(50);
    sut.ingest(upstream(tick(INFY, 101), tick(TCS, 200)));
    advance(30);
    sut.ingest(upstream(tick(INFY, 102)));
    assert.equal(a.sent.length, 1, 'inside the window: held');
    advance(19);
    assert.equal(a.sent.length, 1);
    advance(1);
    assert.deepEqual(prices(a), [[100], [101, 200, 102]], 'one frame at the end of the window');
    assert.deepEqual(a.packets()[1], [
      [INFY, 44],
      [TCS, 8],
      [INFY, 44],
    ]);
    assert.equal(m.frames.n, 2);
    assert.equal(m.packets.n, 4);
    advance(150);
    sut.ingest(upstream(tick(INFY, 103)));
    assert.deepEqual(prices(a).at(-1), [103], 'a window past: at once again');
  });

  it('each client has its own window; one timer serves them all', (t) => {
    const { sut, advance } = windowed(t, 100);
    const early = new FakeSink();
    const late = new FakeSink();
    sut.setSubscriptions(sut.add(early), subs([INFY, 'ltp']));
    sut.ingest(upstream(tick(INFY, 1)));
    advance(60);
    sut.setSubscriptions(sut.add(late), subs([INFY, 'ltp'], [TCS, 'ltp']));
    sut.ingest(upstream(tick(TCS, 2)));
    advance(10);
    sut.ingest(upstream(tick(INFY, 3)));
    assert.deepEqual(prices(early), [[1]]);
    assert.deepEqual(prices(late), [[2]]);
    advance(30);
    assert.deepEqual(prices(early), [[1], [3]], "early's window ends at 100");
    assert.deepEqual(prices(late), [[2]]);
    advance(59);
    assert.deepEqual(prices(late), [[2]]);
    advance(1);
    assert.deepEqual(prices(late), [[2], [3]], "late's at 160");
  });

  it('held packets of an instrument the client left are dropped, of a lowered mode cut', (t) => {
    const { sut, advance } = windowed(t, 100);
    const a = new FakeSink();
    const member = sut.add(a);
    sut.setSubscriptions(member, subs([INFY, 'full'], [TCS, 'full']));
    sut.ingest(upstream(tick(INFY, 1)));
    advance(10);
    sut.ingest(upstream(tick(INFY, 2), tick(TCS, 3)));
    sut.setSubscriptions(member, subs([INFY, 'ltp']));
    advance(90);
    assert.deepEqual(a.packets(), [[[INFY, 184]], [[INFY, 8]]]);
    assert.deepEqual(prices(a), [[1], [2]]);
  });

  it('a snapshot sends what was held first, in one frame each, in order', (t) => {
    const { sut, advance } = windowed(t, 100);
    const a = new FakeSink();
    const member = sut.add(a);
    sut.setSubscriptions(member, subs([INFY, 'quote']));
    sut.ingest(upstream(tick(INFY, 1)));
    sut.ingest(upstream(tick(TCS, 9)));
    advance(10);
    sut.ingest(upstream(tick(INFY, 2)));
    sut.setSubscriptions(member, subs([INFY, 'quote'], [TCS, 'quote']));
    sut.snapshot(member, [TCS], 'quote', 5000);
    assert.deepEqual(prices(a), [[1], [2], [9]]);
    advance(200);
    assert.equal(a.sent.length, 3, 'nothing left held');
  });

  it('a held client that turns slow keeps the latest packet per instrument, held ones included, and counts each one replaced', (t) => {
    const { sut, m, advance } = windowed(t, 100);
    const a = new FakeSink();
    sut.setSubscriptions(sut.add(a), subs([INFY, 'quote'], [TCS, 'quote']));
    sut.ingest(upstream(tick(INFY, 1)));
    advance(10);
    sut.ingest(upstream(tick(INFY, 2), tick(TCS, 3)));
    sut.ingest(upstream(tick(INFY, 5)));
    a.bufferedAmount = 5000;
    sut.ingest(upstream(tick(INFY, 4)));
    advance(200);
    assert.equal(a.sent.length, 1, 'slow: nothing more until it drains');
    a.bufferedAmount = 0;
    sut.tick();
    assert.deepEqual(prices(a), [[1], [4, 3]]);
    assert.equal(m.conflated.n, 2, 'INFY 2 replaced by the held 5, and 5 by 4');
  });

  it('no heartbeat while a frame is held: the window ends first', (t) => {
    const { sut, m, advance } = windowed(t, 100);
    const a = new FakeSink();
    sut.setSubscriptions(sut.add(a), subs([INFY, 'ltp']));
    sut.ingest(upstream(tick(INFY, 1)));
    advance(1000);
    sut.ingest(upstream(tick(INFY, 2)));
    sut.tick();
    assert.equal(m.heartbeats.n, 0);
    assert.deepEqual(prices(a), [[1], [2]], 'a second since the last frame: at once');
  });
});
