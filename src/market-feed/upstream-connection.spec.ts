import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { KiteConnectionHandlers } from './kite-connection.js';
import { DEFAULT_FEED_TUNING } from './market-feed.constants.js';
import { SubscriptionRegistry } from './subscription-registry.js';
import { UpstreamConnection, type UpstreamLink } from './upstream-connection.js';

class FakeLink implements UpstreamLink {
  readonly sent: unknown[] = [];
  opened = false;
  closed = false;
  constructor(
    readonly url: string,
    readonly h: KiteConnectionHandlers,
  ) {}
  open(): void {
    this.opened = true;
  }
  send(text: string): boolean {
    this.sent.push(JSON.parse(text));
    return true;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const tuning = { ...DEFAULT_FEED_TUNING, watchdogMs: 5000, backoffBaseMs: 1000, backoffCapMs: 30_000 };

function setup(tokens: number[] = []) {
  const links: FakeLink[] = [];
  const states: string[] = [];
  const events: string[] = [];
  const registry = new SubscriptionRegistry();
  registry.acquire(
    'c',
    tokens.map((token) => ({ token, mode: 'quote' })),
  );
  registry.takeChanges();
  const sut = new UpstreamConnection(
    { wsRoot: 'wss://ws.test', apiKey: 'k' },
    (url, h) => {
      const l = new FakeLink(url, h);
      links.push(l);
      return l;
    },
    tuning,
    registry,
    {
      frame: () => events.push('frame'),
      text: () => events.push('text'),
      state: (s, reason) => states.push(reason ? `${s} (${reason})` : s),
      refused: () => events.push('refused'),
      connections: (n) => events.push(`connections ${n}`),
      dropped: (cause) => events.push(`dropped ${cause}`),
    },
  );
  return { sut, links, states, events, registry };
}

describe('UpstreamConnection', () => {
  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: 1_000_000 });
    mock.method(Math, 'random', () => 0.5);
  });
  afterEach(() => {
    mock.timers.reset();
    mock.restoreAll();
  });

  it('opens shard 0 with the token, resubscribes its whole state on open, then reports LIVE', () => {
    const { sut, links, states } = setup([1, 2]);
    sut.start('tok');
    assert.equal(links.length, 1);
    assert.match(links[0].url, /access_token=tok/);
    assert.deepEqual(states, ['CONNECTING']);
    links[0].h.onOpen();
    assert.deepEqual(links[0].sent, [
      { a: 'subscribe', v: [1, 2] },
      { a: 'mode', v: ['quote', [1, 2]] },
    ]);
    assert.deepEqual(states, ['CONNECTING', 'LIVE']);
    assert.equal(sut.openConnections, 1);
  });

  it('a dropped connection is retried after the backoff (full jitter, doubling), never sooner', () => {
    const { sut, links, states, events } = setup();
    sut.start('tok');
    links[0].h.onOpen();
    links[0].h.onClose({ code: 1006 });
    assert.equal(states.at(-1), 'RECONNECTING (connection closed (1006))');
    assert.ok(events.includes('dropped drop'));
    mock.timers.tick(499); // attempt 0: 0.5 × 1000 ms
    assert.equal(links.length, 1);
    mock.timers.tick(1);
    assert.equal(links.length, 2);
    links[1].h.onClose({ code: 1006 }); // attempt 1 failed before opening: 0.5 × 2000 ms
    mock.timers.tick(999);
    assert.equal(links.length, 2);
    mock.timers.tick(1);
    assert.equal(links.length, 3);
    links[2].h.onOpen();
    assert.equal(states.at(-1), 'LIVE');
  });

  it('after a 429 waits at least tooManyRequestsMs', () => {
    const { sut, links, events } = setup();
    sut.start('tok');
    links[0].h.onClose({ httpStatus: 429 });
    assert.ok(events.includes('dropped 429'));
    mock.timers.tick(tuning.tooManyRequestsMs - 1);
    assert.equal(links.length, 1);
    mock.timers.tick(1);
    assert.equal(links.length, 2);
  });

  it('the watchdog closes a connection silent for watchdogMs and reconnects; frames keep it alive', () => {
    const { sut, links, events } = setup();
    sut.start('tok');
    links[0].h.onOpen();
    for (let i = 0; i < 10; i++) {
      mock.timers.tick(1000);
      links[0].h.onFrame(Buffer.from([0]));
    }
    assert.equal(links[0].closed, false, 'heartbeats every second keep it');
    mock.timers.tick(tuning.watchdogMs + 1000);
    assert.equal(links[0].closed, true);
    assert.ok(events.includes('dropped watchdog'));
    mock.timers.tick(1000);
    assert.equal(links.length, 2);
  });

  it('a 403 stops everything: refused once, no retry', () => {
    const { sut, links, events } = setup();
    sut.start('tok');
    links[0].h.onClose({ httpStatus: 403 });
    assert.ok(events.includes('refused'));
    mock.timers.tick(120_000);
    assert.equal(links.length, 1);
    assert.equal(sut.accessToken, undefined);
  });

  it('after stop() no callback of the old connection reaches the listener', async () => {
    const { sut, links, states, events } = setup();
    sut.start('tok');
    links[0].h.onOpen();
    await sut.stop();
    const before = [states.length, events.length];
    links[0].h.onFrame(Buffer.from([0, 0]));
    links[0].h.onClose({ code: 1006 });
    mock.timers.tick(60_000);
    assert.deepEqual([states.length, events.length], before);
    assert.equal(links.length, 1);
    assert.ok(links[0].closed);
  });

  it('apply() sends changes in messages of at most 500 tokens; a new shard opens its own connection', () => {
    const { sut, links, registry } = setup();
    sut.start('tok');
    links[0].h.onOpen();
    registry.acquire(
      'c',
      Array.from({ length: 3001 }, (_, i) => ({ token: i + 1, mode: 'ltp' })),
    );
    sut.apply(registry.takeChanges());
    const subs = links[0].sent.filter((m) => (m as { a: string }).a === 'subscribe') as { v: number[] }[];
    assert.deepEqual(
      subs.map((m) => m.v.length),
      [500, 500, 500, 500, 500, 500],
    );
    assert.equal(links.length, 2, 'shard 1 opened');
  });
});
