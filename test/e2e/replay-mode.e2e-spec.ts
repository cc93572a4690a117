import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMaster } from '../../src/instruments/instrument-master.js';
import { buildUniverse, type Instrument } from '../../src/simulator/universe.js';
import { TapeFiles } from '../../src/tape/tape-files.js';
import { KiteWsProbe } from '../helpers/kite-ws-client.js';
import { ReplayChild, SIM_API_KEY, frameAt, simModel, writeSegment } from '../helpers/replay-child.js';
import { waitFor } from '../helpers/wait.js';

const DAY = '2026-12-01';
const INFY = 408065;
const at = (hhmmss: string) => Date.parse(`${DAY}T${hhmmss}+05:30`);
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
      assert.deepEqual(
        probe.frames.filter((f) => f.data.length > 1).map((f) => f.data),
        records.slice(2, 5).map((r) => Buffer.from(r.payload)),
        'the frames of 09:15:00.000, 09:15:30.000 and 09:15:59.999, byte for byte',
      );
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
});
