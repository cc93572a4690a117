import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrame } from '../../src/kite/decode-frame.js';
import { encodeMaster } from '../../src/instruments/instrument-master.js';
import { buildUniverse, type Instrument } from '../../src/simulator/universe.js';
import { ReplayPlayer } from '../../src/simulator/replay-player.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { openReplay } from '../../src/tape/replay-source.js';
import { TapeFiles } from '../../src/tape/tape-files.js';
import type { TapeRecord } from '../../src/tape/tape-format.js';
import { KiteWsProbe } from '../helpers/kite-ws-client.js';
import { ReplayChild, SIM_API_KEY, frameAt, simModel, writeSegment } from '../helpers/replay-child.js';
import { waitFor } from '../helpers/wait.js';

const DAY = '2026-12-01';
const INFY = 408065;
const RELIANCE = 738561;
const TCS = 2953217;
const at = (hhmmss: string) => Date.parse(`${DAY}T${hhmmss}+05:30`);
const tickOf = (r: TapeRecord, token: number) =>
  decodeFrame(r.payload).ticks.find((t) => t.instrument_token === token)!;

/** Three frames a second apart from 09:15, then one an hour later (36 s away at 100x) with TCS in it too. */
async function quoteTape(): Promise<{ root: string; records: TapeRecord[] }> {
  const root = mkdtempSync(join(tmpdir(), 'kr-replay-q-'));
  const model = simModel();
  const records: TapeRecord[] = ['09:15:00.000', '09:15:01.000', '09:15:02.000'].map((t) =>
    frameAt(model, at(t), [
      [INFY, 'full'],
      [RELIANCE, 'ltp'],
    ]),
  );
  records.push(
    frameAt(model, at('10:15:00.000'), [
      [INFY, 'full'],
      [TCS, 'full'],
    ]),
  );
  await writeSegment(root, DAY, records);
  return { root, records };
}

type Quotes = Record<
  string,
  { instrument_token: number; last_price: number; volume?: number; ohlc?: unknown }
>;

/** A ticker client of a replay, subscribed to `tokens` in full. */
async function subscribed(replay: ReplayChild, tokens: number[]): Promise<KiteWsProbe> {
  const token = await replay.accessToken();
  const probe = new KiteWsProbe(`${replay.wsRoot}?api_key=${SIM_API_KEY}&access_token=${token}`);
  assert.equal(await probe.opened, 101);
  probe.send({ a: 'subscribe', v: tokens });
  probe.send({ a: 'mode', v: ['full', tokens] });
  return probe;
}

describe('replay mode: what npm run replay serves from a recorded day', () => {
  it('--from/--to: only the frames recorded from --from (inclusive) to --to (exclusive) are played', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kr-replay-w-'));
    const model = simModel();
    const times = [
      '09:14:30.000',
      '09:14:59.999',
      '09:15:00.000',
      '09:15:30.000',
      '09:15:59.999',
      '09:16:00.000',
    ];
    const records = times.map((t) => frameAt(model, at(t), [[INFY, 'full']]));
    await writeSegment(root, DAY, records);
    const replay = await new ReplayChild([
      '--day',
      DAY,
      '--dir',
      root,
      '--from',
      '09:15',
      '--to',
      '09:16',
      '--speed',
      '1000',
    ]).ready();
    const probe = await subscribed(replay, [INFY]);
    try {
      assert.match(
        replay.out,
        /replaying 2026-12-01 \(1 segment\(s\)\) from 2026-12-01T09:15:00\.000\+05:30/,
      );
      // The window is 60 ms at 1000x: the first heartbeat comes a second after its last frame.
      await waitFor(() => probe.heartbeats() > 0, 'a heartbeat after the last frame of the window');
      assert.deepEqual(
        probe.dataFrames().map((f) => f.count),
        [1, 1, 1],
      );
      // The clock starts at the subscribe, so the first frame can go out before the mode message is
      // read (a new subscription starts in quote): then it is the recorded packet's 44-byte quote
      // prefix, as Kite would cut it. Each frame is the recorded one, byte for byte, in the mode the
      // connection had when it went out.
      const sent = probe.frames.filter((f) => f.data.length > 1).map((f) => f.data);
      const recorded = records.slice(2, 5).map((r) => Buffer.from(r.payload));
      assert.equal(sent.length, 3, 'the frames of 09:15:00.000, 09:15:30.000 and 09:15:59.999');
      sent.forEach((f, i) => {
        const length = f.readUInt16BE(2);
        assert.ok(length === 184 || (i === 0 && length === 44), `frame ${i}: a packet of ${length} bytes`);
        assert.deepEqual(f.subarray(4), recorded[i].subarray(4, 4 + length), `frame ${i}, byte for byte`);
      });
      assert.deepEqual(sent.at(-1), recorded.at(-1), 'the last one whole, in full mode');
    } finally {
      probe.close();
      assert.equal(await replay.stop(), 0);
    }
  });

  it("/instruments serves the day's own master, every column as recorded, not the built-in universe", async () => {
    const root = mkdtempSync(join(tmpdir(), 'kr-replay-m-'));
    await writeSegment(root, DAY, [frameAt(simModel(), at('09:15:00.000'), [[INFY, 'full']])]);
    // That day's master: TCS was not listed, an equity of its own and an NFO future with its lot and expiry were.
    const rows: Instrument[] = [
      ...buildUniverse(0).filter((i) => i.tradingsymbol !== 'TCS'),
      {
        instrument_token: 12345 * 256 + 1,
        exchange_token: 12345,
        tradingsymbol: 'DAYONLY',
        name: 'LISTED THAT DAY',
        last_price: 101.5,
        expiry: '',
        strike: 0,
        tick_size: 0.05,
        lot_size: 1,
        instrument_type: 'EQ',
        segment: 'NSE',
        exchange: 'NSE',
      },
      {
        instrument_token: 13238786,
        exchange_token: 51714,
        tradingsymbol: 'NIFTY26DECFUT',
        name: 'NIFTY',
        last_price: 24180.5,
        expiry: '2026-12-29',
        strike: 0,
        tick_size: 0.1,
        lot_size: 75,
        instrument_type: 'FUT',
        segment: 'NFO-FUT',
        exchange: 'NFO',
      },
    ];
    await new TapeFiles(root).writeMaster(DAY, encodeMaster({ fetchedAt: at('08:00:00.000'), rows }));
    const replay = await new ReplayChild(['--day', DAY, '--dir', root]).ready();
    try {
      const token = await replay.accessToken();
      const csv = async (path: string) => {
        const res = await replay.get(path, token);
        assert.equal(res.status, 200);
        const [head, ...lines] = (await res.text()).split('\n');
        const cols = head.split(',');
        return lines.map((l) => {
          const cells = l.split(',');
          return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
        });
      };
      const asCsv = (i: Instrument) => Object.fromEntries(Object.entries(i).map(([k, v]) => [k, String(v)]));
      const all = await csv('/instruments');
      assert.deepEqual(all, rows.map(asCsv), 'the day master, row for row and column for column');
      assert.ok(!all.some((r) => r.tradingsymbol === 'TCS'), 'not the built-in universe');
      assert.deepEqual(
        await csv('/instruments/NFO'),
        [asCsv(rows.at(-1)!)],
        'one exchange of that day: the future with lot size 75 and its expiry',
      );
    } finally {
      assert.equal(await replay.stop(), 0);
    }
  });

  it('/quote answers the last recorded tick of each instrument at the replay clock, subscribed or not', async () => {
    const { root, records } = await quoteTape();
    const replay = await new ReplayChild(['--day', DAY, '--dir', root, '--speed', '100']).ready();
    const probe = await subscribed(replay, [INFY]);
    try {
      const token = await replay.accessToken();
      await waitFor(() => probe.dataFrames().length === 3, 'the first three frames');
      const quotes = async (path: string) => {
        const res = await replay.get(`${path}?i=NSE:INFY&i=NSE:RELIANCE&i=NSE:TCS&i=${INFY}`, token);
        assert.equal(res.status, 200);
        return ((await res.json()) as { data: Quotes }).data;
      };
      const infy = tickOf(records[2], INFY);
      const reliance = tickOf(records[2], RELIANCE);
      const full = await quotes('/quote');
      assert.deepEqual(
        Object.keys(full).sort(),
        [String(INFY), 'NSE:INFY', 'NSE:RELIANCE'],
        'TCS is not on the tape yet',
      );
      assert.equal(full['NSE:INFY'].last_price, infy.last_price);
      assert.equal(full['NSE:INFY'].volume, infy.volume);
      assert.deepEqual(full['NSE:INFY'].ohlc, infy.ohlc);
      assert.equal(full[String(INFY)].last_price, infy.last_price);
      assert.notEqual(
        infy.last_price,
        tickOf(records[1], INFY).last_price,
        'the last tick, not an earlier one',
      );
      assert.equal(
        full['NSE:RELIANCE'].last_price,
        reliance.last_price,
        'an instrument no connection subscribed',
      );
      assert.deepEqual((await quotes('/quote/ltp'))['NSE:INFY'], {
        instrument_token: INFY,
        last_price: infy.last_price,
      });
      assert.deepEqual((await quotes('/quote/ohlc'))['NSE:INFY'], {
        instrument_token: INFY,
        last_price: infy.last_price,
        ohlc: infy.ohlc,
      });
    } finally {
      probe.close();
      assert.equal(await replay.stop(), 0);
    }
  });

  it('with --start now /quote follows the tape even while no ticker connection is open', async () => {
    const { root, records } = await quoteTape();
    const replay = await new ReplayChild([
      '--day',
      DAY,
      '--dir',
      root,
      '--speed',
      '100',
      '--start',
      'now',
    ]).ready();
    try {
      const token = await replay.accessToken();
      const ltp = async () => {
        const res = await replay.get('/quote/ltp?i=NSE:INFY', token);
        return ((await res.json()) as { data: Quotes }).data['NSE:INFY']?.last_price;
      };
      const want = tickOf(records[2], INFY).last_price;
      await waitFor(async () => (await ltp()) === want, `INFY at ${want}, its price at 09:15:02`);
    } finally {
      assert.equal(await replay.stop(), 0);
    }
  });
});

describe('replay mode: the end of the tape', () => {
  it('frames stop at the end of the tape and 1-byte heartbeats go on', async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'kr-replay-end-'));
    const model = simModel();
    const records = ['09:15:00.000', '09:15:00.500', '09:15:01.000'].map((hms) =>
      frameAt(model, at(hms), [[INFY, 'full']]),
    );
    await writeSegment(root, DAY, records);
    // The ticker's loop runs on real timers; its clock (and the tape's) is this fake Date, moved by the test.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    const advance = (ms: number) => t.mock.timers.tick(ms);
    const source = openReplay(root, DAY);
    const player = new ReplayPlayer({ open: source.open, startsAt: source.startsAt, speed: 10 });
    const sim = await new KiteSimulator({ replay: player, universe: source.universe }).start();
    const probe = new KiteWsProbe(
      `${sim.urls.wsRoot}?api_key=${sim.apiKey}&access_token=${sim.issueAccessToken()}`,
    );
    try {
      assert.equal(await probe.opened, 101);
      probe.send({ a: 'subscribe', v: [INFY] });
      probe.send({ a: 'mode', v: ['full', [INFY]] });
      await waitFor(
        () => {
          advance(20);
          return player.finished && probe.dataFrames().length === 3;
        },
        'the three frames of the tape',
        60_000,
      );
      assert.equal(probe.heartbeats(), 0, 'no heartbeat while frames flow (100 ms apart at 10x)');
      const end = probe.frames.length;
      await waitFor(
        () => {
          advance(250);
          return probe.frames.length - end >= 3;
        },
        'three heartbeats after the end of the tape',
        60_000,
      );
      const after = probe.frames.slice(end);
      assert.ok(
        after.every((f) => f.data.length === 1 && f.data[0] === 0),
        `only 1-byte heartbeats after the end: ${after.map((f) => f.data.length).join(',')}`,
      );
      assert.equal(probe.dataFrames().length, 3, 'the tape is not played again without --loop');
      assert.equal(probe.closed, undefined, 'the connection stays open');
    } finally {
      probe.close();
      await sim.stop();
    }
  });
});

describe('replay mode: where npm run replay looks for the day', () => {
  it('RECORD_DIR without --dir, else DATA_DIR/tape', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kr-replay-data-'));
    const tape = mkdtempSync(join(tmpdir(), 'kr-replay-env-'));
    await writeSegment(tape, DAY, [frameAt(simModel(), at('09:15:00.000'), [[INFY, 'full']])]);
    renameSync(tape, join(dataDir, 'tape'));
    const empty = mkdtempSync(join(tmpdir(), 'kr-replay-empty-'));
    const { RECORD_DIR: _r, DATA_DIR: _d, ...base } = process.env;
    // Run from an empty folder, so that only the variables can find the day.
    const run = (env: Record<string, string>) => new ReplayChild(['--day', DAY], { ...base, ...env }, empty);
    const envs: Record<string, string>[] = [{ RECORD_DIR: join(dataDir, 'tape') }, { DATA_DIR: dataDir }];
    for (const env of envs) {
      const replay = await run(env).ready();
      assert.match(
        replay.out,
        /replaying 2026-12-01 \(1 segment\(s\)\) from 2026-12-01T09:15:00\.000\+05:30/,
      );
      assert.equal(await replay.stop(), 0);
    }
    const first = run({ RECORD_DIR: empty, DATA_DIR: dataDir });
    assert.equal(await first.exited, 1, 'RECORD_DIR is read before DATA_DIR');
    assert.match(first.out, new RegExp(`no recorded day 2026-12-01 in ${empty}`));
  });
});
