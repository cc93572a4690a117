import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import type { SubscribeAck } from '../../src/contracts/socket-protocol.contract.js';
import { decodeMaster } from '../../src/instruments/instrument-master.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { TICK_SOURCE, type TickSource } from '../../src/market-feed/tick-source.js';
import { dayRecords, readDay } from '../../src/tape/day-reader.js';
import { RecordKind } from '../../src/tape/tape-format.js';
import { byToken, collectTicks, containsRun, tapeTicks, tickKey } from '../helpers/tape.js';
import { TestApp } from '../helpers/test-app.js';
import { TestCluster } from '../helpers/test-cluster.js';
import { waitFor } from '../helpers/wait.js';

const DAY = '2026-12-01';
const CLOCK_START = `${DAY}T10:00:00+05:30`;
const INFY = 408065;
const RELIANCE = 738561;
const NIFTY = 256265;
const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.js');

const subscribe = (s: Socket, instruments: unknown[], mode: string) =>
  s.timeout(5000).emitWithAck('subscribe', { instruments, mode }) as Promise<SubscribeAck>;

const json = (p: Buffer) => JSON.parse(p.toString('utf8')) as Record<string, unknown>;

describe('tape: the recorder', () => {
  let t: TestApp;
  let dir: string;
  const seen: Buffer[] = [];
  let client: ReturnType<typeof collectTicks>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kr-tape-'));
    // An old day (past RECORD_RETENTION_DAYS) and two recent ones over RECORD_MAX_BYTES together.
    for (const [day, bytes] of [
      ['2026-10-01', 10],
      ['2026-11-27', 900 * 1024],
      ['2026-11-30', 200 * 1024],
    ] as const) {
      mkdirSync(join(dir, day));
      writeFileSync(join(dir, day, 'old.ktape'), Buffer.alloc(bytes));
    }
    t = await TestApp.start({
      env: {
        CLOCK_START,
        RECORD: 'on',
        RECORD_DIR: dir,
        RECORD_MAX_BYTES: '1MiB',
        RECORD_MIN_FREE_BYTES: '0',
      },
      redis: false,
    });
    const untap = t.app.get<TickSource>(TICK_SOURCE).onFrame((f) => seen.push(Buffer.from(f.data)));
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    const s = t.client({ token: t.token() });
    await t.connected(s);
    client = collectTicks(s);
    const ack = await subscribe(s, ['NSE:INFY', RELIANCE, 'NSE:NIFTY 50'], 'full');
    assert.equal(ack.ok, true);
    await waitFor(() => client.length >= 60, '60 ticks at the client', 20_000);
    // The upstream drops and comes back: the tape says so, it does not just fall silent.
    await t.simControl('drop');
    const dropped = client.length;
    await waitFor(() => client.length >= dropped + 20, 'ticks again after the drop', 20_000);
    await waitFor(
      async () => (await t.http('/health')).body?.info?.tape?.state === 'recording',
      'tape recording in /health',
    );
    const health = (await t.http('/health')).body;
    assert.equal(health.info.tape.state, 'recording');
    assert.equal(health.info.tape.day, DAY);
    const metrics = (await t.http('/metrics')).text;
    assert.match(metrics, /^kite_relay_tape_records_total\{kind="frame"\} [1-9]/m);
    assert.match(metrics, /^kite_relay_tape_recording 1$/m);
    // Shutdown writes what is pending (and the recorder may still get a frame or two after the test's tap).
    untap();
    await t.close();
  });

  after(async () => t?.close().catch(() => undefined));

  it('writes the frames byte for byte as the relay received them, into the IST day of the clock', () => {
    const segments = readDay(dir, DAY);
    assert.equal(segments.length, 1);
    const [seg] = segments;
    assert.equal(seg.header.day, DAY);
    assert.equal(seg.header.fencing, null);
    assert.deepEqual(seg.stats.corruptBlocks + seg.stats.truncatedBytes, 0);
    const frames = seg.records.filter((r) => r.kind === RecordKind.frame).map((r) => Buffer.from(r.payload));
    assert.ok(seen.length > 10, `the test saw ${seen.length} frames`);
    // The recorder tapped the port before the test did and untapped after: what the test saw is on tape, exactly.
    const first = frames.findIndex((f) => f.equals(seen[0]));
    assert.ok(first >= 0);
    assert.deepEqual(frames.slice(first, first + seen.length), seen);
    // Receive times are the gateway clock's (CLOCK_START), in order.
    const times = seg.records.map((r) => r.at);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    assert.ok(times[0] >= Date.parse(CLOCK_START) && times.at(-1)! < Date.parse(CLOCK_START) + 600_000);
  });

  it('the client got the same ticks, in the same order, as the tape decodes to', () => {
    const tape = byToken(tapeTicks(readDay(dir, DAY)[0].records));
    const got = byToken(client.slice(1).map((c) => c.tick));
    for (const token of [INFY, RELIANCE, NIFTY]) {
      const mine = got.get(token) ?? [];
      assert.ok(mine.length > 0, `client ticks of ${token}`);
      assert.ok(containsRun(tape.get(token) ?? [], mine), `the tape holds the client's run of ${token}`);
    }
  });

  it('records the lease, connects, the disconnect, the subscriptions and the day master explicitly', () => {
    const records = dayRecords(readDay(dir, DAY));
    const kinds = new Set(records.map((r) => r.kind));
    for (const k of [RecordKind.lease, RecordKind.connect, RecordKind.subscription]) {
      assert.ok(kinds.has(k), `kind ${k}`);
    }
    const order = records.filter((r) => r.kind === RecordKind.connect || r.kind === RecordKind.disconnect);
    assert.deepEqual(
      order.map((r) => r.kind),
      [RecordKind.connect, RecordKind.disconnect, RecordKind.connect, RecordKind.disconnect],
    );
    assert.match(String(json(order[1].payload).reason), /connection closed/);
    assert.equal(json(order[3].payload).reason, 'stopped');
    // After the reconnect the whole subscription is recorded again.
    const after = records.filter((r) => r.kind === RecordKind.subscription && r.at > order[2].at - 1);
    assert.ok(
      after.some(
        (r) => json(r.payload).full === true && (json(r.payload).subscribe as number[]).includes(INFY),
      ),
    );
    assert.deepEqual(json(records.find((r) => r.kind === RecordKind.lease)!.payload).role, 'standalone');
    const subs = records.filter((r) => r.kind === RecordKind.subscription).map((r) => json(r.payload));
    const subscribed = new Set(subs.flatMap((s) => s.subscribe as number[]));
    for (const token of [INFY, RELIANCE, NIFTY]) assert.ok(subscribed.has(token));
    assert.ok(subs.some((s) => (s.mode as Record<string, number[]>).full?.includes(INFY)));
    const master = decodeMaster(readFileSyncSafe(join(dir, DAY, 'instruments.json.gz')));
    assert.ok(master.rows.some((r) => r.instrument_token === INFY && r.tradingsymbol === 'INFY'));
  });

  it('retention deleted the day past RECORD_RETENTION_DAYS, and the oldest day over RECORD_MAX_BYTES', () => {
    assert.deepEqual(readdirSync(dir).sort(), ['2026-11-30', DAY]);
  });
});

function readFileSyncSafe(path: string): Buffer {
  assert.ok(existsSync(path), `${path} exists`);
  return readFileSync(path);
}

describe('tape: a crash and a bad folder', () => {
  it('SIGKILL mid-segment: the file reads up to its last block; at most the last second is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-tape-kill-'));
    // FEED_SOURCE=kite (against the simulator): RECORD is on by default.
    const c = await TestCluster.start(1, {
      redis: false,
      env: { CLOCK_START, RECORD_DIR: dir, RECORD_MIN_FREE_BYTES: '0' },
    });
    try {
      const [node] = c.nodes;
      await c.login(node);
      const s = c.client(node);
      const got = collectTicks(s);
      await waitFor(() => s.connected, 'connected');
      assert.equal((await subscribe(s, ['NSE:INFY', 'NSE:TCS'], 'full')).ok, true);
      await waitFor(() => got.length > 0 && Date.now() - got[0].at > 3000, '3 s of ticks', 20_000);
      const killedAt = Date.now();
      await node.kill('SIGKILL');
      const segments = readDay(dir, DAY);
      assert.equal(segments.length, 1);
      const tape = new Set(tapeTicks(segments[0].records).map(tickKey));
      const older = got.filter((g) => g.at < killedAt - 1500);
      assert.ok(older.length > 0);
      const missing = older.filter((g) => !tape.has(tickKey(g.tick)));
      assert.deepEqual(missing, [], 'every tick older than 1.5 s is on tape');
      assert.equal(segments[0].stats.corruptBlocks, 0);
    } finally {
      await c.close();
    }
  });

  it('an unwritable RECORD_DIR stops the boot with exit 78 naming RECORD_DIR', async () => {
    const base = mkdtempSync(join(tmpdir(), 'kr-tape-bad-'));
    writeFileSync(join(base, 'file'), 'not a folder');
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: '0',
        DATA_DIR: join(base, 'data'),
        RECORD: 'on',
        RECORD_DIR: join(base, 'file', 'tape'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 78);
    assert.match(out, /- RECORD_DIR: .* cannot be created or written \(ENOTDIR\)/);
  });
});

describe('tape: a full disk and a failing disk never reach the clients', () => {
  async function recordingApp(env: Record<string, string>) {
    const t = await TestApp.start({ env: { CLOCK_START, RECORD: 'on', ...env }, redis: false });
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    const s = t.client({ token: t.token() });
    await t.connected(s);
    const got = collectTicks(s);
    assert.equal((await subscribe(s, ['NSE:INFY'], 'full')).ok, true);
    return { t, got };
  }
  const tape = async (t: TestApp) => (await t.http('/health')).body?.info?.tape;
  const dropped = async (t: TestApp, reason: string) =>
    Number(
      new RegExp(`^kite_relay_tape_frames_dropped_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(
        (await t.http('/metrics')).text,
      )?.[1] ?? 0,
    );

  it('below RECORD_MIN_FREE_BYTES recording pauses: a health warning and counted drops; ticks flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-tape-full-'));
    const { t, got } = await recordingApp({ RECORD_DIR: dir, RECORD_MIN_FREE_BYTES: '1000TiB' });
    try {
      await waitFor(async () => (await tape(t))?.state === 'paused', 'tape paused');
      assert.match((await tape(t)).warning, /RECORD_MIN_FREE_BYTES/);
      await waitFor(async () => (await dropped(t, 'disk_floor')) > 0, 'frames dropped for the disk floor');
      await waitFor(() => got.length >= 5, 'ticks at the client');
      assert.match((await t.http('/metrics')).text, /^kite_relay_tape_paused 1$/m);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      await t.close();
    }
  });

  it('an I/O error is counted and shown in /health; the feed stays LIVE and ticks flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kr-tape-eio-'));
    // A file where the day's folder should be: every segment of the day fails to open.
    writeFileSync(join(dir, DAY), 'in the way');
    const { t, got } = await recordingApp({ RECORD_DIR: dir, RECORD_MIN_FREE_BYTES: '0' });
    try {
      await waitFor(async () => (await tape(t))?.state === 'error', 'tape error');
      assert.match((await tape(t)).last_error, /EEXIST|ENOTDIR/);
      await waitFor(async () => (await dropped(t, 'io_error')) > 0, 'frames dropped for the I/O error');
      const before = got.length;
      await waitFor(() => got.length >= before + 5, 'ticks keep flowing');
      assert.match((await t.http('/metrics')).text, /^kite_relay_tape_write_errors_total [1-9]/m);
      assert.equal(t.get(MarketFeedService).state.state, 'LIVE');
    } finally {
      await t.close();
    }
  });
});
