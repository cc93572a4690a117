/**
 * Fan-out, upstream connections and time to ready (issue: benchmarks); memory per client is memory.bench.ts.
 * Every process is real: the simulator, kite-relay (the built app, `node .build/src/main.js`),
 * the reference server, and the load generators, each in its own process.
 */
import { JwtService } from '@nestjs/jwt';
import { spawn } from 'node:child_process';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import { freePort } from '../helpers/free-port.js';
import { sleep } from '../helpers/wait.js';
import { meterLoad } from './machine-load.js';
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
import type { TickEncoding } from '../../src/contracts/compact-tick.contract.js';
import type { LoadConfig } from './load-client.js';

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
  /** The tick encoding kite-relay's load clients ask for (`--encoding`); default json. */
  encoding?: TickEncoding;
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
  /** messages with ticks each client received a second: the server's socket writes per client */
  messages_per_client_per_s: number;
  server_rss_mb: number;
  loadgen_cpu_pct: number;
  /** CPU of processes outside the bench during the window (% of a core): how busy the machine was */
  others_cpu_pct: number;
  clients_connected: number;
}

async function measureFanout(
  o: FanoutOptions,
  server: Server,
  kind: LoadConfig['kind'],
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
    const machine = meterLoad();
    const t0 = Date.now();
    load.openWindow();
    await sleep(o.windowS * 1000);
    const reports = await load.reports();
    const elapsed = (Date.now() - t0) / 1000;
    const after = procStats(server.proc.pid!);
    const others = machine().others_cpu_pct;
    return summarize(
      o,
      subscriptions,
      reports,
      { cpu_s: after.cpu_s - before.cpu_s, rss: after.rss, elapsed_s: elapsed, others_cpu_pct: others },
      connected,
    );
  } finally {
    await load.stop();
  }
}

export interface FanoutRuns {
  options: FanoutOptions;
  /** one entry per run, relay run i measured right before reference run i */
  relay: FanoutSide[];
  reference: FanoutSide[];
  upstream_connections_peak: number;
  reference_upstream_connections_peak: number;
}

/**
 * One loaded run of one side: a fresh server under the fan-out load, the simulator's stats reset
 * first so that the upstream peak is this run's own.
 */
export async function loadedRun(
  o: FanoutOptions,
  sim: Sim,
  kind: LoadConfig['kind'],
  start: () => Promise<Server>,
  token: string | undefined,
  subscriptions: number[][],
): Promise<{ side: FanoutSide; peak: number }> {
  await fetch(`${sim.apiRoot}/__sim/reset`, { method: 'POST' });
  const server = await start();
  try {
    const side = await measureFanout(o, server, kind, token, subscriptions);
    return { side, peak: (await simStats(sim)).ws_connections_peak as number };
  } finally {
    await stop(server.proc);
  }
}

/** kite-relay and the bare Socket.IO reference (same upstream, same load), interleaved: A, B, A, B… */
export async function benchFanout(o: FanoutOptions, repeat: number): Promise<FanoutRuns> {
  const { tokens, subscriptions } = assignments(o);
  const jwt = signClientToken(new JwtService(jwtOptions(JWT_SECRET)), 'bench', 'viewer', 3600);
  const sim = await startSim(o.ticksPerSecond);
  const out: FanoutRuns = {
    options: o,
    relay: [],
    reference: [],
    upstream_connections_peak: 0,
    reference_upstream_connections_peak: 0,
  };
  try {
    for (let i = 0; i < repeat; i++) {
      progress(`fan-out: run ${i + 1} of ${repeat}`);
      const relay = await loadedRun(
        o,
        sim,
        o.encoding === 'compact' ? 'relay-compact' : 'relay',
        async () => startGateway(sim, await simAccessToken(sim), { cpuProfDir: o.cpuProfDir }),
        jwt,
        subscriptions,
      );
      out.relay.push(relay.side);
      out.upstream_connections_peak = Math.max(out.upstream_connections_peak, relay.peak);
      const reference = await loadedRun(
        o,
        sim,
        'reference',
        async () => startReference(sim, await simAccessToken(sim), tokens),
        undefined,
        subscriptions,
      );
      out.reference.push(reference.side);
      out.reference_upstream_connections_peak = Math.max(
        out.reference_upstream_connections_peak,
        reference.peak,
      );
    }
    return out;
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
