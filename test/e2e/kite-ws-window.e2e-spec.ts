import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenService } from '../../src/auth/token.service.js';
import { splitFrame } from '../../src/kite-compat/packet-slices.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { KiteWsProbe, kiteWsUrl } from '../helpers/kite-ws-client.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const WINDOW_MS = 300;
// Stocks in quote (Kite's default): the packet's cumulative volume makes each one unique.
const INSTRUMENTS = [408065, 2953217, 738561, 341249];

/** Each instrument's packets in arrival order, as hex (a packet is its own proof of identity). */
function packetsByInstrument(p: KiteWsProbe): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const f of p.frames) {
    if (f.data.length <= 1) continue;
    const s = splitFrame(f.data);
    for (let i = 0; i < s.count; i++) {
      const hex = f.data.toString('hex', s.starts[i], s.starts[i] + s.lengths[i]);
      const list = out.get(s.tokens[i]) ?? [];
      list.push(hex);
      out.set(s.tokens[i], list);
    }
  }
  return out;
}

/**
 * KITE_WS_FLUSH_MS (issue 28's latency trade, measured in docs/benchmarks.md): two relays on one
 * simulator get the same upstream packets; a client of the windowed one must get exactly the
 * packets the other's client gets, in the same order, in fewer frames at least a window apart.
 */
describe('kite-ws: KITE_WS_FLUSH_MS holds packets for a window and loses none', () => {
  let sim: KiteSimulator;
  let windowed: TestApp;
  let direct: TestApp;
  const probes: KiteWsProbe[] = [];

  before(async () => {
    sim = await new KiteSimulator({ ticksPerSecond: 400 }).start();
    // One Kite session for both (a second login would end the first's, as Kite's does).
    const KITE_ACCESS_TOKEN = sim.issueAccessToken();
    windowed = await TestApp.start({
      sim,
      redis: false,
      env: { KITE_ACCESS_TOKEN, KITE_WS_FLUSH_MS: String(WINDOW_MS) },
    });
    direct = await TestApp.start({ sim, redis: false, env: { KITE_ACCESS_TOKEN } });
    for (const t of [windowed, direct]) {
      await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    }
  });
  after(async () => {
    for (const p of probes) p.close();
    await windowed?.close();
    await direct?.close();
    await sim?.stop();
  });

  it('the same packets in the same order, frames a window apart, no heartbeat needed', async () => {
    const connect = async (t: TestApp) => {
      const p = new KiteWsProbe(
        kiteWsUrl(t.url, t.get(TokenService).mint('window-bot', 'viewer', '1h').token),
      );
      probes.push(p);
      assert.equal(await p.opened, 101);
      p.send({ a: 'subscribe', v: INSTRUMENTS });
      return p;
    };
    const [w, d] = await Promise.all([connect(windowed), connect(direct)]);
    // Long enough for a dozen windows; the check is on what arrived, not on a rate.
    await waitFor(() => w.dataFrames().length >= 12, 'twelve windowed frames', 15_000);
    await d.settled();
    await w.settled();

    const wf = w.dataFrames().filter((f) => f.packets.every(([, len]) => len === 44));
    const gaps = wf.slice(1).map((f, i) => f.at - wf[i].at);
    // The server sends a window after the last frame at the earliest; arrival jitter is a few ms.
    assert.ok(Math.min(...gaps) >= WINDOW_MS - 30, `frames ${gaps.join(', ')} ms apart`);
    const directFrames = d.dataFrames().filter((f) => f.at >= wf[0].at && f.at <= wf.at(-1)!.at).length;
    assert.ok(directFrames >= 2 * (wf.length - 1), `${directFrames} direct frames vs ${wf.length} windowed`);
    assert.equal(w.heartbeats(), 0, 'data at least every window: a heartbeat was never due');

    const a = packetsByInstrument(w);
    const b = packetsByInstrument(d);
    for (const token of INSTRUMENTS) {
      const wl = a.get(token) ?? [];
      const dl = b.get(token) ?? [];
      // The two clients subscribed a few ms apart: align on the first live packet both have.
      const start = dl.indexOf(wl[1]);
      assert.ok(start >= 0, `${token}: the windowed client's packets are the direct one's`);
      const common = Math.min(wl.length - 1, dl.length - start);
      assert.ok(common >= 5, `${token}: ${common} packets in common`);
      assert.deepEqual(
        wl.slice(1, 1 + common),
        dl.slice(start, start + common),
        `${token}: same packets, same order`,
      );
    }
  });
});
