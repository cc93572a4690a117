import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ClientSubscriptionService, SubscribeOutcome } from '../gateway/client-subscription.service.js';
import { TokenBucket } from '../gateway/rate-limiter.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { KiteClient } from './kite-client.js';
import { KiteMessages } from './kite-messages.js';
import { PacketFanout } from './packet-fanout.js';

const INFY = 408065;
const TCS = 2953217;

/** The subscription service as far as Kite messages use it: accepts everything, records the calls. */
class FakeSubscriptions {
  readonly calls: string[] = [];
  gate?: Promise<void>;
  async subscribe(
    id: string,
    state: KiteClient['state'],
    p: { instruments: number[]; mode: TickMode },
  ): Promise<SubscribeOutcome> {
    this.calls.push(`subscribe ${p.mode} ${p.instruments.join(',')}`);
    await this.gate;
    for (const t of p.instruments) state.subs.set(t, p.mode);
    const subscribed = p.instruments.map((t) => ({ instrument_token: t, mode: p.mode }));
    return {
      ack: { ok: true, subscribed, rejected: [] },
      leave: [],
      join: [],
      fresh: p.instruments,
      mode: p.mode,
    };
  }
  unsubscribe(_id: string, state: KiteClient['state'], p: { instruments: number[] }) {
    for (const t of p.instruments) state.subs.delete(t);
    this.calls.push(`unsubscribe ${p.instruments.join(',')}`);
    return { ack: { ok: true as const, unsubscribed: [] }, leave: [] };
  }
  disconnect(id: string): void {
    this.calls.push(`disconnect ${id}`);
  }
}

function setup() {
  const subs = new FakeSubscriptions();
  const c = { inc: () => undefined };
  const fanout = new PacketFanout(
    { slowBytes: 1000, heartbeatMs: 1000, now: () => 0 },
    { frames: c, bytes: c, packets: c, heartbeats: c, conflated: c },
  );
  const sut = new KiteMessages(subs as unknown as ClientSubscriptionService, fanout, 5000);
  const client: KiteClient = {
    id: 'kite:1',
    ws: undefined as never,
    state: {
      principal: { sub: 'bot', role: 'viewer', exp: 0 },
      subs: new Map(),
      bucket: new TokenBucket(20, 10),
    },
    member: fanout.add({ bufferedAmount: 0, send: () => undefined }),
    connectedAt: 0,
    queue: Promise.resolve(),
    queued: 0,
    closed: false,
  };
  return { sut, subs, client };
}

describe('KiteMessages: Kite messages applied through the shared subscription service', () => {
  it('subscribes in quote, keeps the mode of what is already subscribed, and changes modes', async () => {
    const { sut, subs, client } = setup();
    assert.deepEqual(await sut.handle(client, JSON.stringify({ a: 'subscribe', v: [INFY] })), []);
    assert.deepEqual(await sut.handle(client, JSON.stringify({ a: 'mode', v: ['full', [INFY]] })), []);
    assert.deepEqual(await sut.handle(client, JSON.stringify({ a: 'subscribe', v: [INFY, TCS] })), []);
    assert.deepEqual(subs.calls, [
      `subscribe quote ${INFY}`,
      `subscribe full ${INFY}`,
      `subscribe quote ${TCS}`,
    ]);
    assert.equal(client.state.subs.get(INFY), 'full');
  });

  it('a mode for an instrument not subscribed is an error; the rest of the message applies', async () => {
    const { sut, subs, client } = setup();
    await sut.handle(client, JSON.stringify({ a: 'subscribe', v: [INFY] }));
    const errors = await sut.handle(client, JSON.stringify({ a: 'mode', v: ['ltp', [INFY, TCS]] }));
    assert.deepEqual(
      errors.map((e) => e.reason),
      ['not_subscribed'],
    );
    assert.match(errors[0].message, /not subscribed to 2953217/);
    assert.equal(subs.calls.at(-1), `subscribe ltp ${INFY}`);
  });

  it('a client that leaves while its subscribe is on its way gives back what it took', async () => {
    const { sut, subs, client } = setup();
    let open!: () => void;
    subs.gate = new Promise((r) => (open = r));
    const pending = sut.handle(client, JSON.stringify({ a: 'subscribe', v: [INFY] }));
    client.closed = true;
    open();
    assert.deepEqual(await pending, []);
    assert.equal(subs.calls.at(-1), 'disconnect kite:1');
  });

  it('malformed messages never reach the service', async () => {
    const { sut, subs, client } = setup();
    const errors = await sut.handle(client, '{"a":"subscribe","v":"INFY"}');
    assert.equal(errors[0].reason, 'invalid_value');
    assert.deepEqual(subs.calls, []);
  });
});
