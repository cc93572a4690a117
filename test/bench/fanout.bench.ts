/**
 * Fan-out, upstream connections, memory per client and time to ready (issue: benchmarks).
 * Every process is real: the simulator, kite-relay (the built app, `node .build/src/main.js`),
 * the reference server, and the load generators, each in its own process.
 */
import { JwtService } from '@nestjs/jwt';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { freePort } from '../helpers/free-port.js';
import { sleep, waitFor } from '../helpers/wait.js';
import type { ChildMessage, LoadConfig, LoadReport, ParentMessage } from './load-client.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const MAIN = here('../../src/main.js');
const SIM_CLI = here('../../src/simulator/cli.js');
const LOAD = here('./load-client.js');
const REFERENCE = here('./reference-server.js');
const JWT_SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const CLK_TCK = 100;

export interface FanoutOptions {
  ticksPerSecond: number;
  instruments: number;
  clients: number;
  perClient: number;
  loadProcesses: number;
  warmupS: number;
  windowS: number;
  /** When set, the gateway of the fan-out run writes a V8 CPU profile (node --cpu-prof) here. */
  cpuProfDir?: string;
}

export interface FanoutSide {
  delivered_per_s: number;
  offered_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  server_cpu_pct: number;
  /** server CPU per delivered tick: the capacity figure when both sides deliver what is offered */
  server_cpu_us_per_tick: number;
  server_rss_mb: number;
  loadgen_cpu_pct: number;
  clients_connected: number;
}

const progress = (text: string) => process.stderr.write(`[bench] ${text}\n`);
/** Resolves when `url` answers 2xx with a body `ok` accepts (polled every 10 ms). */
async function waitHttp(url: string, ok: (body: string) => boolean, timeoutMs = 20_000): Promise<void> {
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
function procStats(pid: number): { cpu_s: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu_s = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return { cpu_s, rss: rssKb * 1024 };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

interface Sim {
  proc: ChildProcess;
  apiRoot: string;
  wsRoot: string;
  loginUrl: string;
}

async function startSim(ticksPerSecond: number): Promise<Sim> {
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
async function simAccessToken(sim: Sim): Promise<string> {
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

async function simStats(sim: Sim): Promise<Record<string, any>> {
  return (await (await fetch(`${sim.apiRoot}/__sim/stats`)).json()) as Record<string, any>;
}

interface Server {
  proc: ChildProcess;
  url: string;
}

async function startGateway(sim: Sim, accessToken: string, cpuProfDir?: string): Promise<Server> {
  const port = await freePort();
  const prof = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const proc = spawn(process.execPath, [...prof, MAIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      FEED_SOURCE: 'kite',
      KITE_API_KEY: 'kite_relay_sim',
      KITE_API_SECRET: 'kite_relay_sim_secret',
      KITE_ACCESS_TOKEN: accessToken,
      KITE_API_ROOT: sim.apiRoot,
      KITE_WS_ROOT: sim.wsRoot,
      KITE_LOGIN_URL: sim.loginUrl,
      JWT_SECRET,
      LOG_LEVEL: 'warn',
      // The load is one token from one address: lift the per-user and per-address caps (issue 17).
      MAX_CONNECTIONS_PER_USER: '100000',
      MAX_INSTRUMENTS_PER_USER: '9000',
      MAX_UNAUTHENTICATED_PER_ADDRESS: '100000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/health`, (b) => b.includes('"LIVE"'));
  return { proc, url };
}

async function startReference(sim: Sim, accessToken: string, tokens: number[]): Promise<Server> {
  const port = await freePort();
  const proc = spawn(process.execPath, [REFERENCE], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      KT_API_KEY: 'kite_relay_sim',
      KT_ACCESS_TOKEN: accessToken,
      KT_ROOT: sim.wsRoot,
      KT_TOKENS: JSON.stringify(tokens),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/ready`, () => true);
  return { proc, url };
}

class LoadGenerators {
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

function percentile(hist: number[], q: number): number {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i];
    if (seen >= q * total) return i;
  }
  return hist.length - 1;
}

function assignments(o: FanoutOptions): { tokens: number[]; subscriptions: number[][] } {
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

async function measureFanout(
  o: FanoutOptions,
  server: Server,
  kind: 'relay' | 'reference',
  token: string | undefined,
  subscriptions: number[][],
): Promise<FanoutSide> {
  progress(`${kind} fan-out: connecting ${subscriptions.length} clients`);
  const { load, connected, failed } = await LoadGenerators.start(
    o.loadProcesses,
    { url: server.url, kind, token },
    subscriptions,
  );
  progress(`${kind} fan-out: ${connected} connected, ${failed} failed; subscribing`);
  const subscribeFailed = await load.subscribeAll();
  progress(`${kind} fan-out: subscribed (${subscribeFailed} failed); measuring`);
  try {
    await sleep(o.warmupS * 1000);
    const before = procStats(server.proc.pid!);
    const t0 = Date.now();
    load.openWindow();
    await sleep(o.windowS * 1000);
    const reports = await load.reports();
    const elapsed = (Date.now() - t0) / 1000;
    const after = procStats(server.proc.pid!);
    const hist = new Array<number>(reports[0].histogram.length).fill(0);
    for (const r of reports) r.histogram.forEach((v, i) => (hist[i] += v));
    let max = 0;
    hist.forEach((v, i) => v > 0 && (max = i));
    const delivered = reports.reduce((n, r) => n + r.delivered, 0);
    const windowS = reports.reduce((n, r) => Math.max(n, r.window_ms), 0) / 1000;
    // Each instrument ticks ticksPerSecond / instruments times a second; every subscriber should get each.
    const offered = (o.ticksPerSecond / o.instruments) * subscriptions.reduce((n, s) => n + s.length, 0);
    return {
      delivered_per_s: Math.round(delivered / windowS),
      offered_per_s: Math.round(offered),
      p50_ms: percentile(hist, 0.5),
      p99_ms: percentile(hist, 0.99),
      max_ms: max,
      server_cpu_pct: Math.round(((after.cpu_s - before.cpu_s) / elapsed) * 100),
      server_cpu_us_per_tick: Number(
        (((after.cpu_s - before.cpu_s) * 1e6) / Math.max(1, delivered)).toFixed(2),
      ),
      server_rss_mb: Math.round(after.rss / 2 ** 20),
      loadgen_cpu_pct: Math.round(reports.reduce((n, r) => n + r.cpu_ms, 0) / 10 / windowS),
      clients_connected: connected,
    };
  } finally {
    await load.stop();
  }
}

async function memoryPerClient(
  server: Server,
  kind: 'relay' | 'reference',
  token: string | undefined,
  clients: number,
  procs: number,
): Promise<number> {
  // RSS moves with the collector's timing: the least of several samples is the steadier figure.
  const settledRss = async () => {
    let least = Infinity;
    for (let i = 0; i < 8; i++) {
      await sleep(250);
      least = Math.min(least, procStats(server.proc.pid!).rss);
    }
    return least;
  };
  await sleep(1000);
  const before = await settledRss();
  progress(`${kind} memory: connecting ${clients} idle clients`);
  const { load, connected } = await LoadGenerators.start(
    procs,
    { url: server.url, kind, token },
    Array.from({ length: clients }, () => []),
  );
  try {
    await sleep(1000);
    const after = await settledRss();
    return Math.round((after - before) / connected);
  } finally {
    await load.stop();
  }
}

export interface FanoutResult {
  options: FanoutOptions;
  relay: FanoutSide;
  reference: FanoutSide;
  upstream_connections_peak: number;
  reference_upstream_connections_peak: number;
  memory_per_client: { clients: number; bytes: number; reference_bytes: number };
}

interface SideResult {
  fanout: FanoutSide;
  upstreamPeak: number;
  memoryPerClient: number;
}

/**
 * One side of the comparison: a server under the fan-out load (the simulator's stats reset first,
 * so the upstream peak is this side's own), then a fresh one for memory per idle client.
 * `start(loaded)` starts the server; `loaded` is false for the idle memory run.
 */
async function runSide(
  o: FanoutOptions,
  sim: Sim,
  kind: 'relay' | 'reference',
  start: (loaded: boolean) => Promise<Server>,
  token: string | undefined,
  subscriptions: number[][],
  memoryClients: number,
): Promise<SideResult> {
  await fetch(`${sim.apiRoot}/__sim/reset`, { method: 'POST' });
  const server = await start(true);
  let fanout: FanoutSide;
  let upstreamPeak: number;
  try {
    fanout = await measureFanout(o, server, kind, token, subscriptions);
    upstreamPeak = (await simStats(sim)).ws_connections_peak as number;
  } finally {
    await stop(server.proc);
  }
  const idle = await start(false);
  try {
    return {
      fanout,
      upstreamPeak,
      memoryPerClient: await memoryPerClient(idle, kind, token, memoryClients, o.loadProcesses),
    };
  } finally {
    await stop(idle.proc);
  }
}

export async function benchFanout(o: FanoutOptions, memoryClients: number): Promise<FanoutResult> {
  const { tokens, subscriptions } = assignments(o);
  const jwt = signClientToken(new JwtService(jwtOptions(JWT_SECRET)), 'bench', 'viewer', 3600);
  const sim = await startSim(o.ticksPerSecond);
  try {
    const relay = await runSide(
      o,
      sim,
      'relay',
      async (loaded) => startGateway(sim, await simAccessToken(sim), loaded ? o.cpuProfDir : undefined),
      jwt,
      subscriptions,
      memoryClients,
    );
    // the bare Socket.IO reference, same upstream, same load
    const reference = await runSide(
      o,
      sim,
      'reference',
      async (loaded) => startReference(sim, await simAccessToken(sim), loaded ? tokens : []),
      undefined,
      subscriptions,
      memoryClients,
    );
    return {
      options: o,
      relay: relay.fanout,
      reference: reference.fanout,
      upstream_connections_peak: relay.upstreamPeak,
      reference_upstream_connections_peak: reference.upstreamPeak,
      memory_per_client: {
        clients: memoryClients,
        bytes: relay.memoryPerClient,
        reference_bytes: reference.memoryPerClient,
      },
    };
  } finally {
    await stop(sim.proc);
  }
}
/** From process start to `/health/ready` 200 in simulator mode; the median of `runs`. */
export async function benchTimeToReady(runs: number): Promise<{ median_ms: number; runs_ms: number[] }> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const proc = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    try {
      await waitHttp(`http://127.0.0.1:${port}/health/ready`, () => true);
      times.push(Math.round(performance.now() - t0));
    } finally {
      await stop(proc);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { median_ms: sorted[Math.floor(sorted.length / 2)], runs_ms: times };
}
