import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';
import type { ClientSubscriptionService } from '../gateway/client-subscription.service.js';
import { TokenBucket } from '../gateway/rate-limiter.js';
import { encodeFrame } from '../kite/encode-frame.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import { snapshotFromCache } from './cache-snapshot.js';
import type { KiteClient } from './kite-client.js';
import { KiteMessages } from './kite-messages.js';
import { PacketFanout } from './packet-fanout.js';
import { splitFrame } from './packet-slices.js';

const INFY = 408065;
const TCS = 2953217;
const NIFTY = 256265;

function tick(token: number, price: number, mode: TickMode = 'full'): Tick {
  return {
    instrument_token: token,
    mode,
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

/** The shared cache as a follower sees it: another node's quotes; `gate` holds the read. */
class FakeCache {
  readonly asked: number[][] = [];
  gate?: Promise<void>;
  constructor(readonly quotes: Map<number, CachedQuote>) {}
  async getQuotes(tokens: readonly number[]): Promise<Map<number, CachedQuote>> {
    this.asked.push([...tokens]);
    await this.gate;
    return new Map(tokens.filter((t) => this.quotes.has(t)).map((t) => [t, this.quotes.get(t)!]));
  }
}

function setup(cached: Tick[]) {
  const c = { inc: () => undefined };
  const fanout = new PacketFanout(
    { slowBytes: 1000, heartbeatMs: 1000, now: () => 0 },
    { frames: c, bytes: c, packets: c, heartbeats: c, conflated: c },
  );
  const sent: Buffer[] = [];
  const cache = new FakeCache(new Map(cached.map((t) => [t.instrument_token, { tick: t, as_of: 0 }])));
  const client: KiteClient = {
    id: 'kite:1',
    ws: undefined as never,
    state: {
      principal: { sub: 'bot', role: 'viewer', exp: 0 },
      subs: new Map(),
      bucket: new TokenBucket(20, 10),
    },
    member: fanout.add({ bufferedAmount: 0, send: (b: Buffer) => void sent.push(b) }),
    connectedAt: 0,
    queue: Promise.resolve(),
    queued: 0,
    closed: false,
  };
  const subscribe = (tokens: number[], mode: TickMode) => {
    for (const t of tokens) client.state.subs.set(t, mode);
    fanout.setSubscriptions(client.member, client.state.subs);
  };
  return { fanout, cache, client, sent, subscribe };
}

/** A sent frame as [token, packet bytes] pairs. */
function packets(frame: Buffer): [number, Buffer][] {
  const p = splitFrame(frame);
  return p.tokens.map((t, i) => [t, frame.subarray(p.starts[i], p.starts[i] + p.lengths[i])]);
}

describe('snapshotFromCache: the latest packet of an instrument this node has none of', () => {
  it('encodes the cached quote as Kite’s packet in the client’s mode (44 / 8 / 28 / 184 bytes), in one frame', async () => {
    for (const [mode, token, length] of [
      ['quote', TCS, 44],
      ['ltp', TCS, 8],
      ['quote', NIFTY, 28],
      ['full', TCS, 184],
    ] as const) {
      const q = tick(token, 3500.5);
      const { fanout, cache, client, sent, subscribe } = setup([q]);
      subscribe([token], mode);
      assert.equal(await snapshotFromCache(cache, fanout, client, [token], mode), 1);
      assert.equal(sent.length, 1);
      const [[t, packet]] = packets(sent[0]);
      assert.equal(t, token);
      assert.equal(packet.length, length);
      // Exactly what Kite would have sent for that tick in that mode.
      assert.deepEqual(packet, encodeFrame([{ tick: q, mode }]).subarray(4));
    }
  });

  it('sends nothing for an instrument whose live packet came while the cache was read, or that the client left', async () => {
    const { fanout, cache, client, sent, subscribe } = setup([tick(TCS, 10), tick(INFY, 20)]);
    subscribe([TCS, INFY], 'quote');
    let open!: () => void;
    cache.gate = new Promise((r) => (open = r));
    const pending = snapshotFromCache(cache, fanout, client, [TCS, INFY], 'quote');
    fanout.ingest(encodeFrame([{ tick: tick(TCS, 11) }])); // live, newer than the cache
    client.state.subs.delete(INFY);
    fanout.setSubscriptions(client.member, client.state.subs);
    open();
    assert.equal(await pending, 0);
    assert.equal(sent.length, 1, 'only the live frame');
    assert.equal(packets(sent[0])[0][1].readInt32BE(4), 1100, 'the live price, in paise');
  });

  it('a cached tick of a lower mode than the client’s is not sent (no bytes are made up)', async () => {
    const { fanout, cache, client, sent, subscribe } = setup([tick(TCS, 10, 'ltp')]);
    subscribe([TCS], 'full');
    assert.equal(await snapshotFromCache(cache, fanout, client, [TCS], 'full'), 0);
    assert.equal(sent.length, 0);
  });

  it('on subscribe, the node’s own latest packets go out at once and only the others are asked of the cache', async () => {
    const { fanout, cache, client, sent } = setup([tick(TCS, 10)]);
    fanout.ingest(encodeFrame([{ tick: tick(INFY, 1500) }]));
    const subscriptions = {
      subscribe: async (
        _id: string,
        state: KiteClient['state'],
        p: { instruments: number[]; mode: TickMode },
      ) => {
        for (const t of p.instruments) state.subs.set(t, p.mode);
        const subscribed = p.instruments.map((t) => ({ instrument_token: t, mode: p.mode }));
        return {
          ack: { ok: true, subscribed, rejected: [] },
          leave: [],
          join: [],
          fresh: p.instruments,
          mode: p.mode,
        };
      },
    };
    const sut = new KiteMessages(subscriptions as unknown as ClientSubscriptionService, fanout, 5000, cache);
    assert.deepEqual(await sut.handle(client, JSON.stringify({ a: 'subscribe', v: [INFY, TCS] })), []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(cache.asked, [[TCS]]);
    assert.deepEqual(
      sent.map((f) => packets(f).map(([t, p]) => [t, p.length])),
      [[[INFY, 44]], [[TCS, 44]]],
    );
  });
});
