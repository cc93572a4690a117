import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import type { SubscribeAck } from '../../src/contracts/socket-protocol.contract.js';
import { istIso } from '../../src/clock/ist.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { ReplayPlayer } from '../../src/simulator/replay-player.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { dayRecords, readDay } from '../../src/tape/day-reader.js';
import { openReplay } from '../../src/tape/replay-source.js';
import { splitFrame } from '../../src/kite-compat/packet-slices.js';
import { RecordKind } from '../../src/tape/tape-format.js';
import { KiteWsProbe, kiteWsUrl } from '../helpers/kite-ws-client.js';
import { byToken, collectTicks, containsRun, tapeTicks } from '../helpers/tape.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const DAY = '2026-12-01';
const CLOCK_START = `${DAY}T11:00:00+05:30`;
const INFY = 408065;
const RELIANCE = 738561;
const NIFTY = 256265;
const SPEED = 10;
/** How long the first gateway records (the 2 minutes of the simulator). */
const RECORD_MS = 120_000;
const CLI = join(import.meta.dirname, '..', '..', 'src', 'tape', 'replay-cli.js');

const subscribe = (s: Socket, instruments: unknown[], mode: string) =>
  s.timeout(5000).emitWithAck('subscribe', { instruments, mode }) as Promise<SubscribeAck>;

/** A client of `t` subscribed to INFY and RELIANCE in full and NIFTY 50 in quote, collecting ticks. */
async function watch(t: TestApp) {
  const s = t.client({ token: t.token() });
  await t.connected(s);
  const got = collectTicks(s);
  assert.equal((await subscribe(s, ['NSE:INFY', 'NSE:RELIANCE'], 'full')).ok, true);
  assert.equal((await subscribe(s, ['NSE:NIFTY 50'], 'quote')).ok, true);
  return got;
}

/** Each instrument's packets as recorded, in order. */
function recordedPackets(dir: string): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  for (const r of dayRecords(readDay(dir, DAY))) {
    if (r.kind !== RecordKind.frame) continue;
    const p = splitFrame(r.payload);
    p.tokens.forEach((t, i) => {
      const list = out.get(t) ?? [];
      list.push(r.payload.subarray(p.starts[i], p.starts[i] + p.lengths[i]));
      out.set(t, list);
    });
  }
  return out;
}

/** Each instrument's packets a `/kite/ws` client got, as hex, in order. */
function probePackets(probe: KiteWsProbe): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const f of probe.frames) {
    const p = splitFrame(f.data);
    p.tokens.forEach((t, i) => {
      const list = out.get(t) ?? [];
      list.push(f.data.subarray(p.starts[i], p.starts[i] + p.lengths[i]).toString('hex'));
      out.set(t, list);
    });
  }
  return out;
}

describe('replay: a recorded day through the simulator', () => {
  let dir: string;
  let first: ReturnType<typeof collectTicks>;
  let sim: KiteSimulator | undefined;
  let second: TestApp | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kr-replay-'));
    const t = await TestApp.start({ env: { CLOCK_START, RECORD: 'on', RECORD_DIR: dir }, redis: false });
    try {
      await t.login();
      await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
      first = await watch(t);
      await waitFor(
        () => first.length > 0 && Date.now() - first[0].at > RECORD_MS,
        `${RECORD_MS / 1000} s of ticks`,
        RECORD_MS + 30_000,
      );
    } finally {
      await t.close();
    }
  });

  after(async () => {
    await second?.close();
    await sim?.stop();
  });

  it(`a client of a second gateway on the replay (${SPEED}x) gets the same ticks in the same order`, async () => {
    const source = openReplay(dir, DAY);
    const player = new ReplayPlayer({ open: source.open, startsAt: source.startsAt, speed: SPEED });
    sim = await new KiteSimulator({ replay: player, universe: source.universe }).start();
    assert.equal(player.started, false, 'the clock waits for the first subscription');
    // The gateway's clock starts at the tape's, so its market status follows the recorded day.
    second = await TestApp.start({ sim, redis: false, env: { CLOCK_START: istIso(source.startsAt) } });
    const status = await second.http('/api/market/status', { token: second.token() });
    assert.equal(status.body.status, 'LIVE');
    assert.match(status.body.server_time, /^2026-12-01T11:00:/);
    await second.login();
    await waitFor(() => second!.get(MarketFeedService).state.state === 'LIVE', 'LIVE on the replay');
    const replayed = await watch(second);
    const want = byToken(first.map((g) => g.tick));
    const recorded = byToken(tapeTicks(dayRecords(readDay(dir, DAY))));
    await waitFor(() => player.finished, 'the end of the tape', 30_000);
    await waitFor(
      () =>
        [INFY, RELIANCE, NIFTY].every(
          (k) => (byToken(replayed.map((g) => g.tick)).get(k)?.length ?? 0) >= (want.get(k)?.length ?? 0),
        ),
      'as many replayed ticks as the first client got',
    );
    const got = byToken(replayed.map((g) => g.tick));
    for (const token of [INFY, RELIANCE, NIFTY]) {
      const a = want.get(token) ?? [];
      assert.ok(a.length > 5, `first client ticks of ${token}: ${a.length}`);
      // Every recorded tick is replayed, and the first client's sequence is the start of it.
      assert.deepEqual(got.get(token), recorded.get(token), `replay of ${token} = tape`);
      assert.deepEqual(got.get(token)!.slice(0, a.length), a, `replay of ${token} = first client`);
    }
    assert.ok(replayed.every((g) => g.tick.mode === (g.tick.instrument_token === NIFTY ? 'quote' : 'full')));
    // 2 minutes of tape at 10x: well under the recording time.
    const span = replayed.at(-1)!.at - replayed[0].at;
    const recordedSpan = first.at(-1)!.at - first[0].at;
    assert.ok(span < recordedSpan / 3, `replayed in ${span} ms, recorded over ${recordedSpan} ms`);
  });

  it('a Kite-protocol client of a gateway on the replay gets the recorded packets, byte for byte, cut to its modes', async () => {
    await second?.close();
    await sim?.stop();
    second = undefined;
    const source = openReplay(dir, DAY);
    const player = new ReplayPlayer({ open: source.open, startsAt: source.startsAt, speed: SPEED });
    sim = await new KiteSimulator({ replay: player, universe: source.universe }).start();
    second = await TestApp.start({ sim, redis: false, env: { CLOCK_START: istIso(source.startsAt) } });
    await second.login();
    await waitFor(() => second!.get(MarketFeedService).state.state === 'LIVE', 'LIVE on the replay');
    const probe = new KiteWsProbe(kiteWsUrl(second.url, second.token()));
    try {
      assert.equal(await probe.opened, 101);
      // The tape's clock starts with this subscription: a packet or two may still go out in `quote`.
      probe.send({ a: 'subscribe', v: [INFY, RELIANCE] });
      probe.send({ a: 'mode', v: ['full', [INFY]] });
      probe.send({ a: 'mode', v: ['ltp', [RELIANCE]] });
      const recorded = recordedPackets(dir);
      const last = (token: number) => recorded.get(token)!.at(-1)!;
      const got = () => probePackets(probe);
      await waitFor(() => player.finished, 'the end of the tape', 30_000);
      await waitFor(
        () =>
          got().get(INFY)?.at(-1) === last(INFY).toString('hex') &&
          got().get(RELIANCE)?.at(-1) === last(RELIANCE).subarray(0, 8).toString('hex'),
        "the tape's last packets of INFY and RELIANCE",
      );
      assert.deepEqual(probe.texts, [], 'no error for Kite-format messages');
      const infy = got()
        .get(INFY)!
        .filter((hex) => hex.length === 184 * 2);
      const want = recorded.get(INFY)!.map((b) => b.toString('hex'));
      assert.ok(infy.length >= want.length - 2, `INFY full packets: ${infy.length} of ${want.length}`);
      assert.ok(containsRun(want, infy), 'INFY in full: the recorded packets, byte for byte, in order');
      const reliance = got()
        .get(RELIANCE)!
        .filter((hex) => hex.length === 8 * 2);
      const wantLtp = recorded.get(RELIANCE)!.map((b) => b.subarray(0, 8).toString('hex'));
      assert.ok(reliance.length >= wantLtp.length - 2, `RELIANCE ltp packets: ${reliance.length}`);
      assert.ok(containsRun(wantLtp, reliance), 'RELIANCE in ltp: the first 8 bytes of each recorded packet');
      assert.ok(
        [...got().keys()].every((t) => t === INFY || t === RELIANCE),
        'only the subscribed instruments',
      );
    } finally {
      probe.close();
    }
  });

  it('npm run replay starts the simulator in replay mode on the recorded day, says where and from when, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [CLI, '--day', DAY, '--dir', dir, '--port', '0', '--speed', '100', '--start', 'now'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      await waitFor(() => out.includes('replaying'), 'the replay line');
      const root = /KITE_API_ROOT=(\S+)/.exec(out)![1];
      assert.match(
        out,
        /replaying 2026-12-01 \(1 segment\(s\)\) from 2026-12-01T11:00:\d\d\.\d{3}\+05:30 at 100x; the clock starts now/,
      );
      const stats = (await (await fetch(`${root}/__sim/stats`)).json()) as { ws_connections_open: number };
      assert.equal(stats.ws_connections_open, 0);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });
});

describe('replay: npm run replay', () => {
  it('refuses a bad --day with exit 64, and a day not recorded with exit 1 naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-replay-cli-'));
    const bad = spawnSync(process.execPath, [CLI, '--day', 'yesterday', '--dir', dir], { encoding: 'utf8' });
    assert.equal(bad.status, 64);
    assert.match(bad.stderr, /--day: required, the recorded IST date/);
    const none = spawnSync(process.execPath, [CLI, '--day', DAY, '--dir', dir], { encoding: 'utf8' });
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no recorded day 2026-12-01/);
  });
});
