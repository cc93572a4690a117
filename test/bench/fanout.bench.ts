/**
 * Fan-out, upstream connections, memory per client and time to ready (issue: benchmarks).
 * Every process is real: the simulator, kite-relay (the built app, `node .build/src/main.js`),
 * the reference server, and the load generators, each in its own process.
 */
import { JwtService } from '@nestjs/jwt';
import { spawn } from 'node:child_process';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import { freePort } from '../helpers/free-port.js';
import { sleep } from '../helpers/wait.js';
import {
  JWT_SECRET,
  LoadGenerators,
  MAIN,
  assignments,
  procStats,
  progress,
  simAccessToken,
  simStats,
  startGateway,
  startReference,
  startSim,
  stop,
  summarize,
  waitHttp,
  type Server,
  type Sim,
} from './bench-kit.js';

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
    return summarize(
      o,
      subscriptions,
      reports,
      { cpu_s: after.cpu_s - before.cpu_s, rss: after.rss, elapsed_s: elapsed },
      connected,
    );
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
