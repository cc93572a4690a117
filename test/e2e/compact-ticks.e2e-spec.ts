import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import type { Socket } from 'socket.io-client';
import type { Tick } from '../../src/kite/tick.js';
import { decodeCompactRow, type CompactTickRow } from '../../src/contracts/compact-tick.contract.js';
import type { SubscribeAck } from '../../src/contracts/socket-protocol.contract.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { MarketGateway } from '../../src/gateway/market.gateway.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const INFY = 408065;
const RELIANCE = 738561;
const TCS = 2953217;
const NIFTY_50 = 256265;
const NIFTY_BANK = 260105;

async function subscribe(s: Socket, instruments: number[], mode: Tick['mode']): Promise<void> {
  const ack = (await s.timeout(5000).emitWithAck('subscribe', { instruments, mode })) as SubscribeAck;
  assert.equal(ack.ok, true);
}

async function unsubscribe(s: Socket, instruments: number[]): Promise<void> {
  const ack = (await s.timeout(5000).emitWithAck('unsubscribe', { instruments })) as { ok: boolean };
  assert.equal(ack.ok, true);
}

/** Every event a client gets, by name; ticks of either encoding as tick objects, in arrival order. */
function record(s: Socket): { events: Set<string>; ticks: Tick[] } {
  const out = { events: new Set<string>(), ticks: [] as Tick[] };
  s.onAny((event: string, payload: unknown) => {
    out.events.add(event);
    if (event === 'ticks') out.ticks.push(...(payload as Tick[]));
    if (event === 'ticks_compact') out.ticks.push(...(payload as CompactTickRow[]).map(decodeCompactRow));
  });
  return out;
}

const connectError = (s: Socket): Promise<string> =>
  new Promise((resolve) => {
    s.once('connect_error', (e) => resolve(e.message));
    s.once('connect', () => resolve('connected'));
  });

/** One instrument's ticks in one mode, in arrival order. */
const stream = (ticks: Tick[], token: number, mode: Tick['mode']) =>
  ticks.filter((x) => x.instrument_token === token && x.mode === mode);

describe('compact tick encoding (auth.encoding: compact)', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start({ simOptions: { ticksPerSecond: 4000 } });
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > 1000, 'instrument master');
  });
  after(async () => {
    await t.close();
  });

  it('an unknown encoding is refused with unsupported_encoding; json and compact connect', async () => {
    assert.equal(
      await connectError(t.client({ token: t.token(), encoding: 'msgpack' })),
      'unsupported_encoding',
    );
    assert.equal(await connectError(t.client({ token: t.token(), encoding: 'json' })), 'connected');
    assert.equal(await connectError(t.client({ token: t.token(), encoding: 'compact' })), 'connected');
    // Credentials are checked first: a bad token with a bad encoding is still just unauthorized.
    assert.equal(await connectError(t.client({ token: 'x', encoding: 'msgpack' })), 'unauthorized');
  });

  it('a JSON and a compact client of the same instruments and modes get the same ticks; the JSON one only ticks objects', async () => {
    const json = t.client({ token: t.token() });
    const compact = t.client({ token: t.token(), encoding: 'compact' });
    await Promise.all([t.connected(json), t.connected(compact)]);
    const a = record(json);
    const b = record(compact);
    const subs: [number[], Tick['mode']][] = [
      [[INFY, NIFTY_50], 'full'],
      [[RELIANCE, NIFTY_BANK], 'quote'],
      [[TCS], 'ltp'],
    ];
    for (const s of [json, compact]) for (const [tokens, mode] of subs) await subscribe(s, tokens, mode);
    const pairs = subs.flatMap(([tokens, mode]) => tokens.map((token) => [token, mode] as const));
    const enough = (x: Tick[]) => pairs.every(([token, mode]) => stream(x, token, mode).length >= 12);
    await waitFor(() => enough(a.ticks) && enough(b.ticks), 'ticks of every instrument to both', 20_000);

    assert.deepEqual(
      [...a.events].filter((e) => e.startsWith('ticks')),
      ['ticks'],
    );
    assert.deepEqual(
      [...b.events].filter((e) => e.startsWith('ticks')),
      ['ticks_compact'],
    );
    // Both clients are in the same rooms, so each instrument's ticks reach them in the same order.
    // Past the subscribe (each client's snapshot is its own), the streams agree tick for tick.
    for (const [token, mode] of pairs) {
      const sa = stream(a.ticks, token, mode);
      const sb = stream(b.ticks, token, mode).slice(2);
      // Where the compact stream starts in the JSON one (an index's ticks can repeat a price, so
      // the start is the place from which every tick agrees, not the first equal tick).
      const agrees = (start: number) => {
        const n = Math.min(sa.length - start, sb.length);
        return n >= 8 && sb.slice(0, n).every((x, k) => isDeepStrictEqual(x, sa[start + k]));
      };
      const start = sa.findIndex((_, k) => agrees(k));
      assert.ok(start >= 0, `${token} ${mode}: the compact stream is the JSON stream, tick for tick`);
    }
    // What the JSON client gets is the tick object as before: field names, mode names, depth objects.
    const full = stream(a.ticks, INFY, 'full')[0];
    assert.equal(typeof full.last_price, 'number');
    assert.equal(full.depth?.buy.length, 5);
    assert.deepEqual(Object.keys(full.depth.buy[0]).sort(), ['orders', 'price', 'quantity']);
    assert.equal(stream(a.ticks, NIFTY_50, 'full')[0].depth, undefined, 'an index has no depth');
    assert.equal(stream(b.ticks, NIFTY_50, 'full')[0].depth, undefined);
    json.disconnect();
    compact.disconnect();
  });

  it('the snapshot on subscribe comes as ticks_compact to a compact client', async () => {
    const s = t.client({ token: t.token(), encoding: 'compact' });
    await t.connected(s);
    const got = record(s);
    await t.simControl('silence', { ms: 1500 });
    const first = new Promise<CompactTickRow[]>((r) => s.once('ticks_compact', r));
    await subscribe(s, [INFY], 'quote');
    const rows = await first;
    assert.equal(rows[0][0], 1, 'a quote row');
    assert.equal(decodeCompactRow(rows[0]).instrument_token, INFY);
    assert.deepEqual(
      [...got.events].filter((e) => e.startsWith('ticks')),
      ['ticks_compact'],
    );
    s.disconnect();
  });

  it("a slow compact client's conflated ticks, sent when it drains, are ticks_compact too", async () => {
    const symbols = buildUniverse()
      .filter((i) => i.tradingsymbol.startsWith('SIM'))
      .slice(0, 300)
      .map((i) => i.instrument_token);
    const slow = t.client({ token: t.token(), encoding: 'compact' });
    await t.connected(slow);
    const got = record(slow);
    await subscribe(slow, symbols, 'full');
    await waitFor(() => got.ticks.length > 500, 'ticks flowing');
    // Its network stops: the TCP socket is no longer read, so the server conflates its ticks.
    const raw = (
      slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }
    ).ws._socket;
    raw.pause();
    const backlog = () => t.get(MarketGateway).clientBacklog(slow.id!);
    await waitFor(() => (backlog()?.pending ?? 0) > 50, 'conflation under way', 20_000);
    const before = got.ticks.length;
    raw.resume();
    await waitFor(() => backlog()?.slow === false, 'back on the live flow', 20_000);
    // The conflated ticks were written when it drained, before this ack: once the ack is here, so are they.
    await unsubscribe(slow, symbols);
    assert.ok(got.ticks.length > before, 'ticks again');
    assert.deepEqual(
      [...got.events].filter((e) => e.startsWith('ticks')),
      ['ticks_compact'],
    );
    assert.ok(got.ticks.every((x) => x.mode === 'full' && symbols.includes(x.instrument_token)));
    slow.disconnect();
  });
});
