import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
