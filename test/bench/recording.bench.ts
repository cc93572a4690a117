/**
 * The tape's cost on the tick path (issue: the tape): the fan-out run of fanout.bench.ts with the
 * recorder on and off, interleaved, against one simulator. The gateway's clock starts inside the
 * market's hours (the recorder writes only there), so both sides run the same market status.
 */
import { JwtService } from '@nestjs/jwt';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import { listDays } from '../../src/tape/tape-ls.js';
import {
  JWT_SECRET,
  assignments,
  progress,
  simAccessToken,
  startGateway,
  startSim,
  stop,
} from './bench-kit.js';
import { loadedRun, type FanoutOptions, type FanoutSide } from './fanout.bench.js';

/** A Tuesday morning, IST: inside the recording window. */
const CLOCK_START = '2026-12-01T10:00:00+05:30';

export interface RecordingRuns {
  on: FanoutSide[];
  off: FanoutSide[];
  /** bytes the recorder wrote in each `on` run (so that "on" is shown to have recorded) */
  bytes_recorded: number[];
}

export async function benchRecordingCost(o: FanoutOptions, repeat: number): Promise<RecordingRuns> {
  const { subscriptions } = assignments(o);
  const jwt = signClientToken(new JwtService(jwtOptions(JWT_SECRET)), 'bench', 'viewer', 3600);
  const sim = await startSim(o.ticksPerSecond);
  const out: RecordingRuns = { on: [], off: [], bytes_recorded: [] };
  try {
    for (let i = 0; i < repeat; i++) {
      for (const record of ['on', 'off'] as const) {
        progress(`tape: fan-out with recording ${record}, run ${i + 1} of ${repeat}`);
        const dir = mkdtempSync(join(tmpdir(), 'kr-bench-tape-'));
        try {
          const env = { RECORD: record, RECORD_DIR: dir, CLOCK_START };
          const start = async () => startGateway(sim, await simAccessToken(sim), { env });
          const run = await loadedRun(o, sim, 'relay', start, jwt, subscriptions);
          out[record].push(run.side);
          if (record === 'on') out.bytes_recorded.push(listDays(dir).reduce((n, d) => n + d.bytes, 0));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    return out;
  } finally {
    await stop(sim.proc);
  }
}
