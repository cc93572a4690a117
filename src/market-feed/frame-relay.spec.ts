import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamOwnership } from '../cluster/upstream-ownership.js';
import type { AppConfigService } from '../config/app-config.service.js';
import type { OwnershipState } from '../contracts/ownership.contract.js';
import { RelayEvents } from '../events/relay-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { BusMessage, FeedMessage } from '../redis/bus-messages.contract.js';
import type { BusFrame, ClusterBus } from '../redis/cluster-bus.js';
import type { RedisClients } from '../redis/redis-clients.js';
import { FrameRelay } from './frame-relay.js';
import { DEFAULT_FEED_TUNING } from './market-feed.constants.js';
import type { SourceFrame } from './tick-source.js';

/** The bus as FrameRelay uses it: frames and 'feed' messages in, frames out (taken or not). */
class FakeBus {
  frameListener?: (f: BusFrame) => void;
  feedListener?: (m: FeedMessage) => void;
  readonly published: { fencing: number; frame: Buffer }[] = [];
  readonly messages: BusMessage[] = [];
  takes = true;
  onFrame(fn: (f: BusFrame) => void) {
    this.frameListener = fn;
    return () => (this.frameListener = undefined);
  }
  onMessage(kind: string, fn: (m: FeedMessage) => void) {
    assert.equal(kind, 'feed');
    this.feedListener = fn;
    return () => (this.feedListener = undefined);
  }
  async publishFrame(fencing: number, frame: Buffer): Promise<boolean> {
    this.published.push({ fencing, frame });
    return this.takes;
  }
  async publishMessage(msg: BusMessage): Promise<boolean> {
    this.messages.push(msg);
    return this.takes;
  }
}

/** The lease as this node last read it; `nudge` asks it to read again (counted here). */
class FakeOwnership {
  state: OwnershipState = { role: 'follower', holder: null, fencing: null, redisUp: true };
  nudges = 0;
  nudge() {
    this.nudges++;
  }
}

function relay(nodeId = 'b') {
  const bus = new FakeBus();
  const ownership = new FakeOwnership();
  const redis = { configured: true, up: true };
  const events = new RelayEvents();
  const metrics = new MetricsService();
  const sut = new FrameRelay(
    { values: { nodeId } } as unknown as AppConfigService,
    ownership as unknown as UpstreamOwnership,
    bus as unknown as ClusterBus,
    redis as RedisClients,
    events,
    DEFAULT_FEED_TUNING,
    metrics,
  );
  sut.onModuleInit();
  const frames: SourceFrame[] = [];
  sut.onFrame((f) => frames.push(f));
  /** The lease read again: ownership says so, and tells the node. */
  const leaseSays = (s: Partial<OwnershipState>) => {
    ownership.state = { ...ownership.state, ...s };
    events.emit('ownership.changed', ownership.state);
  };
  const fromBus = (nodeId: string, fencing: number, frame = Buffer.from([0, 1])) =>
    bus.frameListener!({ nodeId, fencing, frame });
  const metric = (name: string) => metrics.registry.getSingleMetricAsString(`kite_relay_${name}`);
  return { sut, bus, ownership, redis, frames, leaseSays, fromBus, metric };
}

describe('FrameRelay: where a node gets its frames', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date', 'setInterval'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('a standalone node serves its upstream frames to its own clients and publishes nothing', () => {
    const { sut, bus, ownership, frames } = relay();
    ownership.state = { role: 'standalone', holder: null, fencing: null, redisUp: true };
    const data = Buffer.from([0, 1, 0, 8]);
    sut.fromUpstream(data, 2);
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0], {
      data,
      receivedAt: 1_000_000,
      shard: 2,
      fencing: null,
      origin: 'upstream',
      dropRepeats: false,
    });
    assert.equal(bus.published.length, 0);
  });

  it('the holder publishes each frame with its fencing number, and serves its own clients even when Redis does not take it', async () => {
    const { sut, bus, ownership, frames, metric } = relay('a');
    ownership.state = { role: 'holder', holder: 'a', fencing: 7, redisUp: true };
    bus.takes = false;
    const data = Buffer.from([0, 1, 0, 8]);
    sut.fromUpstream(data, 0);
    sut.fromUpstream(data, 1);
    assert.deepEqual(
      frames.map((f) => [f.origin, f.shard, f.fencing, f.dropRepeats]),
      [
        ['upstream', 0, 7, false],
        ['upstream', 1, 7, false],
      ],
    );
    assert.deepEqual(bus.published, [
      { fencing: 7, frame: data },
      { fencing: 7, frame: data },
    ]);
    assert.match(await metric('bus_frames_published_total'), / 2$/m);
  });

  it('a holder whose tenure is outdated serves and publishes nothing, and reads the lease again', () => {
    const { sut, bus, ownership, frames, leaseSays } = relay('a');
    leaseSays({ role: 'follower', holder: 'b', fencing: 9 });
    ownership.state = { role: 'holder', holder: 'a', fencing: 7, redisUp: true };
    sut.fromUpstream(Buffer.from([0, 1]), 0);
    assert.equal(frames.length, 0);
    assert.equal(bus.published.length, 0);
    assert.equal(ownership.nudges, 1);
  });

  it('a follower takes only the frames of the holder under the fencing number of the lease it read; the others are dropped and counted', async () => {
    const { frames, leaseSays, fromBus, metric, ownership } = relay('b');
    fromBus('a', 7);
    assert.equal(frames.length, 0, 'nothing is trusted before the lease was read');
    leaseSays({ holder: 'a', fencing: 7 });
    const data = Buffer.from([0, 1, 0, 44]);
    fromBus('a', 7, data);
    assert.deepEqual(frames, [
      { data, receivedAt: 1_000_000, shard: null, fencing: 7, origin: 'bus', dropRepeats: false },
    ]);
    fromBus('a', 6);
    fromBus('c', 7);
    fromBus('b', 7);
    assert.equal(frames.length, 1, 'stale, not the holder, and its own echo are not served');
    const dropped = await metric('bus_frames_dropped_total');
    assert.match(dropped, /reason="unconfirmed"} 1$/m);
    assert.match(dropped, /reason="stale"} 1$/m);
    assert.match(dropped, /reason="not_holder"} 1$/m);
    assert.match(await metric('bus_frames_received_total'), / 1$/m);
    assert.equal(ownership.nudges, 1, 'the frame before the first read asked for one');
  });

  it('a higher fencing number makes the follower read the lease again (at most every 250 ms); once the lease names it, the new tenure is served and the old one is stale', async () => {
    const { frames, leaseSays, fromBus, metric, ownership } = relay('b');
    leaseSays({ holder: 'a', fencing: 7 });
    fromBus('c', 8);
    fromBus('c', 8);
    assert.equal(ownership.nudges, 1);
    mock.timers.tick(250);
    fromBus('c', 8);
    assert.equal(ownership.nudges, 2);
    assert.equal(frames.length, 0);
    assert.match(await metric('bus_frames_dropped_total'), /reason="unconfirmed"} 3$/m);
    fromBus('a', 7);
    assert.equal(frames.length, 1, 'a higher number never silences the holder the lease names');

    leaseSays({ holder: 'c', fencing: 8 });
    fromBus('c', 8);
    fromBus('a', 7);
    assert.deepEqual(
      frames.map((f) => [f.fencing, f.dropRepeats]),
      [
        [7, false],
        [8, true],
      ],
      'right after the takeover repeats are to be dropped',
    );
    mock.timers.tick(2000);
    fromBus('c', 8);
    assert.equal(frames[2].dropRepeats, false);
    assert.match(await metric('bus_frames_dropped_total'), /reason="stale"} 1$/m);
  });

  it("a follower reports the holder's feed state, or why it cannot", () => {
    const { sut, bus, redis, leaseSays, fromBus } = relay('b');
    const feed = (node: string, fencing: number) =>
      bus.feedListener!({ type: 'feed', node, fencing, state: 'LIVE' });
    assert.equal(sut.followerStatus().state, 'CONNECTING');
    assert.match(sut.followerStatus().reason!, /waiting for a node/);
    leaseSays({ holder: 'a', fencing: 7 });
    assert.match(sut.followerStatus().reason!, /waiting for the feed of a/);
    feed('c', 7);
    feed('a', 6);
    assert.match(sut.followerStatus().reason!, /waiting for the feed of a/, 'only the holder speaks');
    feed('a', 7);
    fromBus('a', 7);
    assert.deepEqual(sut.followerStatus(), { state: 'LIVE' });
    mock.timers.tick(DEFAULT_FEED_TUNING.watchdogMs + 1);
    feed('a', 7);
    assert.deepEqual(sut.followerStatus(), { state: 'RECONNECTING', reason: 'no frames from the holder' });
    redis.up = false;
    assert.equal(sut.followerStatus().state, 'RECONNECTING');
    assert.match(sut.followerStatus().reason!, /Redis unreachable/);
  });
});
