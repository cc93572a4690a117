import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { encodeFrame } from '../../src/kite/encode-frame.js';
import type { TickMode } from '../../src/kite/kite.constants.js';
import { MarketModel } from '../../src/simulator/market-model.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { SegmentWriter } from '../../src/tape/segment-writer.js';
import { segmentFileName } from '../../src/tape/tape-files.js';
import { RecordKind, TAPE_VERSION, type TapeRecord } from '../../src/tape/tape-format.js';
import { waitFor } from './wait.js';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'tape', 'replay-cli.js');
export const SIM_API_KEY = 'kite_relay_sim';
const SIM_API_SECRET = 'kite_relay_sim_secret';

/** Writes one segment of `day` under `root` holding `records`, as the recorder would. */
export async function writeSegment(root: string, day: string, records: TapeRecord[]): Promise<void> {
  const at = records[0].at;
  const header = { format: 'kite-relay tape' as const, version: TAPE_VERSION, day, node: 'n1', fencing: 0 };
  const w = new SegmentWriter(
    join(root, day, segmentFileName('n1', 0, at)),
    { ...header, started_at: at, codec: 'zstd' },
    (e) => {
      throw e;
    },
  );
  for (const r of records) w.append(r);
  await w.close();
}

/** One frame record at `at` with a simulator tick of each instrument, in its mode. */
export function frameAt(model: MarketModel, at: number, items: [number, TickMode][]): TapeRecord {
  const payload = encodeFrame(items.map(([token, mode]) => ({ tick: model.step(token, at)!, mode })));
  return { kind: RecordKind.frame, at, shard: 0, payload };
}

export const simModel = () => new MarketModel(buildUniverse(0));

/** `npm run replay` as a child process, up to its "replaying" line. */
export class ReplayChild {
  out = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string) {
    this.child = spawn(process.execPath, [CLI, '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      cwd,
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((r) => this.child.on('exit', r));
  }

  async ready(): Promise<this> {
    await waitFor(() => this.out.includes('replaying'), `the replay line (got: ${this.out})`);
    return this;
  }

  get apiRoot(): string {
    return /KITE_API_ROOT=(\S+)/.exec(this.out)![1];
  }

  get wsRoot(): string {
    return /KITE_WS_ROOT=(\S+)/.exec(this.out)![1];
  }

  /** An access token through the simulator's login flow, as a gateway gets one. */
  async accessToken(): Promise<string> {
    const login = await fetch(`${this.apiRoot}/connect/login?api_key=${SIM_API_KEY}&v=3`, {
      redirect: 'manual',
    });
    const requestToken = new URL(login.headers.get('location')!).searchParams.get('request_token')!;
    const checksum = createHash('sha256')
      .update(SIM_API_KEY + requestToken + SIM_API_SECRET)
      .digest('hex');
    const res = await fetch(`${this.apiRoot}/session/token`, {
      method: 'POST',
      body: new URLSearchParams({ api_key: SIM_API_KEY, request_token: requestToken, checksum }),
    });
    return ((await res.json()) as { data: { access_token: string } }).data.access_token;
  }

  async get(path: string, accessToken: string): Promise<Response> {
    return fetch(`${this.apiRoot}${path}`, {
      headers: { Authorization: `token ${SIM_API_KEY}:${accessToken}` },
    });
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
