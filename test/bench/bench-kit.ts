/**
 * What the benchmarks share: real processes (the simulator, the built app, the reference server,
 * load generators in their own processes), their CPU and RSS from /proc, and the latency histogram.
 */
import { fork, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildUniverse } from '../../src/simulator/universe.js';
import { freePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait.js';
import type { ChildMessage, LoadConfig, LoadReport, ParentMessage } from './load-client.js';
import type { FanoutOptions, FanoutSide } from './fanout.bench.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
export const MAIN = here('../../src/main.js');
const SIM_CLI = here('../../src/simulator/cli.js');
const LOAD = here('./load-client.js');
const REFERENCE = here('./reference-server.js');
export const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const CLK_TCK = 100;

export const progress = (text: string) => process.stderr.write(`[bench] ${text}\n`);
/** Resolves when `url` answers 2xx with a body `ok` accepts (polled every 10 ms). */
export async function waitHttp(
  url: string,
  ok: (body: string) => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  await waitFor(
    async () => {
      const r = await fetch(url);
      return r.ok && ok(await r.text());
    },
    url,
    timeoutMs,
    10,
  );
}

/** CPU seconds (user+system) and RSS bytes of a process, from /proc. */
export function procStats(pid: number): { cpu_s: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu_s = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpu_s, rss: rssKb * 1024 };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

export interface Sim {
  proc: ChildProcess;
  apiRoot: string;
  wsRoot: string;
  loginUrl: string;
}

export async function startSim(ticksPerSecond: number): Promise<Sim> {
  const proc = spawn(
    process.execPath,
    [SIM_CLI, '--port', '0', '--ticks-per-second', String(ticksPerSecond), '--stamp'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: proc.stdout }).once('line', resolve),
  );
  const get = (k: string) => new RegExp(`${k}=(\\S+)`).exec(line)![1];
  return {
    proc,
    apiRoot: get('KITE_API_ROOT'),
    wsRoot: get('KITE_WS_ROOT'),
    loginUrl: get('KITE_LOGIN_URL'),
  };
}

/** An access token the way a user gets one: the login redirect, then /session/token with the checksum. */
export async function simAccessToken(sim: Sim): Promise<string> {
  const apiKey = 'kite_relay_sim';
  const r = await fetch(`${sim.loginUrl}?v=3&api_key=${apiKey}`, { redirect: 'manual' });
  const requestToken = new URL(r.headers.get('location')!).searchParams.get('request_token')!;
  const checksum = createHash('sha256').update(`${apiKey}${requestToken}kite_relay_sim_secret`).digest('hex');
  const s = await fetch(`${sim.apiRoot}/session/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Kite-Version': '3' },
    body: new URLSearchParams({ api_key: apiKey, request_token: requestToken, checksum }),
  });
  return ((await s.json()) as { data: { access_token: string } }).data.access_token;
}

export async function simStats(sim: Sim): Promise<Record<string, any>> {
  return (await (await fetch(`${sim.apiRoot}/__sim/stats`)).json()) as Record<string, any>;
}

export interface Server {
  proc: ChildProcess;
  url: string;
}

export interface StartOptions {
  /** a V8 CPU profile (node --cpu-prof) written here */
  cpuProfDir?: string;
  /** added to (or overriding) the server's environment (a cluster node's) */
  env?: Record<string, string>;
  /** preload heap-probe.ts, with an IPC channel to ask it (the memory bench) */
  probe?: boolean;
}

const PROBE = here('./heap-probe.js');

/** Node options every server of the bench gets (`--node-args "…"`): e.g. a container's heap limits. */
export const serverNodeArgs: string[] = [];
/** Settings every kite-relay server of the bench gets (`--env "KEY=VALUE …"`), e.g. KITE_WS_FLUSH_MS. */
export const serverEnv: Record<string, string> = {};

/** node's arguments and the stdio for a server started with `opts`. */
function launch(opts: StartOptions): { args: string[]; stdio: StdioOptions } {
  const args = [
    ...serverNodeArgs,
    ...(opts.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : []),
    ...(opts.probe ? ['--expose-gc', '--import', pathToFileURL(PROBE).href] : []),
  ];
  return { args, stdio: ['ignore', 'ignore', 'inherit', ...(opts.probe ? ['ipc' as const] : [])] };
}

/** The built app against the simulator. */
export async function startGateway(
  sim: Sim,
  accessToken: string | undefined,
  opts: StartOptions = {},
): Promise<Server> {
  const port = await freePort();
  const { args, stdio } = launch(opts);
  const proc = spawn(process.execPath, [...args, MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      FEED_SOURCE: 'kite',
      KITE_API_KEY: 'kite_relay_sim',
      KITE_API_SECRET: 'kite_relay_sim_secret',
      ...(accessToken ? { KITE_ACCESS_TOKEN: accessToken } : {}),
      KITE_API_ROOT: sim.apiRoot,
      KITE_WS_ROOT: sim.wsRoot,
      KITE_LOGIN_URL: sim.loginUrl,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      // The load is one token from one address: lift the per-user and per-address caps (issue 17).
      MAX_CONNECTIONS_PER_USER: '100000',
      MAX_INSTRUMENTS_PER_USER: '9000',
      MAX_UNAUTHENTICATED_PER_ADDRESS: '100000',
      API_RATE_LIMIT_PER_MINUTE: '100000',
      ...serverEnv,
      ...opts.env,
    },
    stdio,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/health`, (b) => b.includes('"LIVE"'));
  return { proc, url };
}

export async function startReference(
  sim: Sim,
  accessToken: string,
  tokens: number[],
  opts: StartOptions = {},
): Promise<Server> {
  const port = await freePort();
  const { args, stdio } = launch(opts);
  const proc = spawn(process.execPath, [...args, REFERENCE], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      KT_API_KEY: 'kite_relay_sim',
      KT_ACCESS_TOKEN: accessToken,
      KT_ROOT: sim.wsRoot,
      KT_TOKENS: JSON.stringify(tokens),
    },
    stdio,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/ready`, () => true);
  return { proc, url };
}

export class LoadGenerators {
  private constructor(private readonly procs: ChildProcess[]) {}

  static async start(
    count: number,
    base: Omit<LoadConfig, 'clients' | 'subscriptions'>,
    subscriptions: number[][],
  ): Promise<{ load: LoadGenerators; connected: number; failed: number }> {
    const procs = Array.from({ length: count }, () =>
      fork(LOAD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
    );
    const load = new LoadGenerators(procs);
    const per = Math.ceil(subscriptions.length / count);
    const ready = await Promise.all(
      procs.map((p, i) => {
        const mine = subscriptions.slice(i * per, (i + 1) * per);
        return new Promise<{ connected: number; failed: number }>((resolve) => {
          p.on('message', (m: ChildMessage) => m.type === 'ready' && resolve(m));
          p.send({
            type: 'start',
            config: { ...base, clients: mine.length, subscriptions: mine },
          } satisfies ParentMessage);
        });
      }),
    );
    return {
      load,
      connected: ready.reduce((n, r) => n + r.connected, 0),
      failed: ready.reduce((n, r) => n + r.failed, 0),
    };
  }

  /** Sends `request` to every load generator and collects each one's reply of type `reply`. */
  private ask<T extends ChildMessage['type']>(
    request: ParentMessage,
    reply: T,
  ): Promise<Extract<ChildMessage, { type: T }>[]> {
    return Promise.all(
      this.procs.map(
        (p) =>
          new Promise<Extract<ChildMessage, { type: T }>>((resolve) => {
            const on = (m: ChildMessage) => {
              if (m.type !== reply) return;
              p.off('message', on);
              resolve(m as Extract<ChildMessage, { type: T }>);
            };
            p.on('message', on);
            p.send(request);
          }),
      ),
    );
  }

  /** Every client subscribes now that all are connected; resolves with the failures. */
  async subscribeAll(): Promise<number> {
    const replies = await this.ask({ type: 'subscribe' }, 'subscribed');
    return replies.reduce((n, r) => n + r.failed, 0);
  }

  openWindow(): void {
    for (const p of this.procs) p.send({ type: 'window' } satisfies ParentMessage);
  }

  async reports(): Promise<LoadReport[]> {
    return (await this.ask({ type: 'report' }, 'report')).map((r) => r.report);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.send({ type: 'stop' } satisfies ParentMessage);
            setTimeout(() => p.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
  }
}

export function percentile(hist: number[], q: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i];
    if (seen >= q * total) return i;
  }
  return hist.length - 1;
}

export function assignments(o: FanoutOptions): { tokens: number[]; subscriptions: number[][] } {
  const tokens = buildUniverse()
    .filter((i) => i.segment === 'NSE' && i.instrument_type === 'EQ')
    .slice(0, o.instruments)
    .map((i) => i.instrument_token);
  const groups = Math.max(1, Math.floor(tokens.length / o.perClient));
  const subscriptions = Array.from({ length: o.clients }, (_, c) => {
    const start = ((c % groups) * o.perClient) % tokens.length;
    return tokens.slice(start, start + o.perClient);
  });
  return { tokens, subscriptions };
}

/** The load generators' latency histograms (1 ms bins) added up. */
export function mergedHistogram(reports: readonly LoadReport[]): number[] {
  const hist = new Array<number>(reports[0]?.histogram.length ?? 0).fill(0);
  for (const r of reports) r.histogram.forEach((v, i) => (hist[i] += v));
  return hist;
}

/**
 * One fan-out measurement from the load generators' reports: delivered ticks/s against what was
 * offered, the latency histogram's p50/p99/max, and the servers' CPU (also per delivered tick) and RSS.
 */
export function summarize(
  o: FanoutOptions,
  subscriptions: number[][],
  reports: LoadReport[],
  server: { cpu_s: number; rss: number; elapsed_s: number; others_cpu_pct: number },
  connected: number,
): FanoutSide {
  const hist = mergedHistogram(reports);
  let max = 0;
  hist.forEach((v, i) => v > 0 && (max = i));
  const delivered = reports.reduce((n, r) => n + r.delivered, 0);
  const messages = reports.reduce((n, r) => n + r.messages, 0);
  const windowS = reports.reduce((n, r) => Math.max(n, r.window_ms), 0) / 1000;
  // Each instrument ticks ticksPerSecond / instruments times a second; every subscriber should get each.
  const offered = (o.ticksPerSecond / o.instruments) * subscriptions.reduce((n, s) => n + s.length, 0);
  return {
    delivered_per_s: Math.round(delivered / windowS),
    offered_per_s: Math.round(offered),
    p50_ms: percentile(hist, 0.5),
    p99_ms: percentile(hist, 0.99),
    max_ms: max,
    server_cpu_pct: Math.round((server.cpu_s / server.elapsed_s) * 100),
    server_cpu_us_per_tick: Number(((server.cpu_s * 1e6) / Math.max(1, delivered)).toFixed(2)),
    messages_per_client_per_s: Number((messages / windowS / Math.max(1, connected)).toFixed(1)),
    server_rss_mb: Math.round(server.rss / 2 ** 20),
    loadgen_cpu_pct: Math.round(reports.reduce((n, r) => n + r.cpu_ms, 0) / 10 / windowS),
    others_cpu_pct: server.others_cpu_pct,
    clients_connected: connected,
  };
}
