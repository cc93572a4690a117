/**
 * Cluster: the same clients and rate on 1 node and on 3 nodes (one Redis, one upstream), every
 * process real. Latency is the simulator's send stamp to the client's receipt, so on 3 nodes the
 * Redis hop from the holder to the followers is in it. The 1-node and 3-node runs alternate, so that
 * a change in the machine's load lands on both. Then the fail-over gap: the holder SIGKILLed,
 * time until clients on the surviving nodes get ticks again (median of several kills).
 */
import { JwtService } from '@nestjs/jwt';
import { io } from 'socket.io-client';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import { MARKET_NAMESPACE } from '../../src/contracts/socket-protocol.contract.js';
import { RedisServer } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { meterLoad } from './machine-load.js';
import {
  JWT_SECRET,
  LoadGenerators,
  assignments,
  mergedHistogram,
  percentile,
  procStats,
  progress,
  simAccessToken,
  simStats,
  startGateway,
  startSim,
  stop,
  summarize,
  type Server,
  type Sim,
} from './bench-kit.js';
import type { FanoutOptions, FanoutSide } from './fanout.bench.js';
import type { LoadReport } from './load-client.js';

/**
 * A cluster run: the fan-out figures of all nodes, and the latency of the holder's clients and of
 * the followers' apart. On 3 nodes the holder (node 0, started first) serves its clients from its
 * own upstream and the followers from the bus, so the followers' latency less the holder's is the
 * bus hop (holder's receipt → Redis → follower's decode and emit) as clients see it.
 */
export interface ClusterSide extends FanoutSide {
  holder_p50_ms: number;
  holder_p99_ms: number;
  followers_p50_ms: number;
  followers_p99_ms: number;
  /** each node's CPU over the window (% of a core), node 0 first */
  node_cpu_pct: number[];
  /** commands Redis processed per second over the window, and its own CPU (% of a core) */
  redis_ops_per_s: number;
  redis_cpu_pct: number;
  /** Redis commands per client while the clients connected and subscribed (a reconnect storm's cost) */
  redis_ops_per_client_connect: number;
}

/** Redis' command count and CPU seconds so far (INFO stats and cpu). */
async function redisCounters(redis: RedisServer): Promise<{ ops: number; cpu_s: number }> {
  const info = await redis.client.info();
  const num = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return {
    ops: num('total_commands_processed'),
    cpu_s: num('used_cpu_sys') + num('used_cpu_user'),
  };
}

export interface ClusterRuns {
  /** one entry per run, the 1-node run i measured right before the 3-node run i */
  one: ClusterSide[];
  three: ClusterSide[];
  upstream_connections_peak: number;
  /** one entry per SIGKILL of the holder */
  failover_gap_ms: number[];
}

const SESSION_KEY = 'bench-session-key-0123456789abcdef0123456789';

async function startNodes(
  sim: Sim,
  redis: RedisServer,
  n: number,
  prefix: string,
  cpuProfDir?: string,
): Promise<Server[]> {
  const nodes: Server[] = [];
  const accessToken = await simAccessToken(sim);
  for (let i = 0; i < n; i++) {
    // The first node installs the Kite token; the others restore the session from Redis.
    nodes.push(
      await startGateway(sim, i === 0 ? accessToken : undefined, {
        env: {
          REDIS_URL: `redis://127.0.0.1:${redis.port}`,
          NODE_ID: `${prefix}-${i}`,
          SESSION_ENCRYPTION_KEY: SESSION_KEY,
          LOG_LEVEL: 'error',
        },
        cpuProfDir,
      }),
    );
    if (cpuProfDir) progress(`${prefix}-${i}: pid ${nodes[i].proc.pid} (its profile's name)`);
  }
  return nodes;
}

async function measure(
  o: FanoutOptions,
  redis: RedisServer,
  nodes: Server[],
  token: string,
  subscriptions: number[][],
): Promise<ClusterSide> {
  progress(`cluster of ${nodes.length}: connecting ${subscriptions.length} clients`);
  const connecting = await redisCounters(redis);
  // Three load processes in both topologies: one per node on three nodes, all three on one node.
  const groups = await Promise.all(
    [0, 1, 2].map((g) =>
      LoadGenerators.start(
        1,
        { url: nodes[g % nodes.length].url, kind: 'relay', token },
        subscriptions.filter((_, c) => c % 3 === g),
      ),
    ),
  );
  for (const g of groups) await g.load.subscribeAll();
  const connected = await redisCounters(redis);
  try {
    await sleep(o.warmupS * 1000);
    const cpu0 = nodes.map((n) => procStats(n.proc.pid!).cpu_s);
    const redis0 = await redisCounters(redis);
    const machine = meterLoad();
    const t0 = Date.now();
    for (const g of groups) g.load.openWindow();
    await sleep(o.windowS * 1000);
    const perGroup: LoadReport[][] = await Promise.all(groups.map((g) => g.load.reports()));
    const elapsed = (Date.now() - t0) / 1000;
    const redis1 = await redisCounters(redis);
    const nodeCpu = nodes.map((n, i) => procStats(n.proc.pid!).cpu_s - cpu0[i]);
    const cpu = nodeCpu.reduce((a, b) => a + b, 0);
    const rss = nodes.reduce((sum, n) => sum + procStats(n.proc.pid!).rss, 0);
    const clients = groups.reduce((n, g) => n + g.connected, 0);
    const others_cpu_pct = machine().others_cpu_pct;
    // Group g is on node g % nodes.length: on one node every group is the holder's.
    const holder = mergedHistogram(perGroup.filter((_, g) => g % nodes.length === 0).flat());
    const followers = mergedHistogram(perGroup.filter((_, g) => g % nodes.length !== 0).flat());
    return {
      ...summarize(
        o,
        subscriptions,
        perGroup.flat(),
        { cpu_s: cpu, rss, elapsed_s: elapsed, others_cpu_pct },
        clients,
      ),
      holder_p50_ms: percentile(holder, 0.5),
      holder_p99_ms: percentile(holder, 0.99),
      followers_p50_ms: percentile(followers, 0.5),
      followers_p99_ms: percentile(followers, 0.99),
      node_cpu_pct: nodeCpu.map((c) => Math.round((c / elapsed) * 100)),
      redis_ops_per_s: Math.round((redis1.ops - redis0.ops) / elapsed),
      redis_cpu_pct: Math.round(((redis1.cpu_s - redis0.cpu_s) / elapsed) * 100),
      redis_ops_per_client_connect: Number(
        ((connected.ops - connecting.ops) / Math.max(1, clients)).toFixed(1),
      ),
    };
  } finally {
    await Promise.all(groups.map((g) => g.load.stop()));
  }
}

/** The holder (node 0, started first) SIGKILLed: ms until a client on each surviving node gets a tick. */
async function failoverGap(
  sim: Sim,
  redis: RedisServer,
  token: string,
  tokens: number[],
  run: number,
): Promise<number> {
  const nodes = await startNodes(sim, redis, 3, `failover${run}`);
  const probes = nodes.slice(1).map((n) => {
    const s = io(`${n.url}${MARKET_NAMESPACE}`, {
      transports: ['websocket'],
      auth: { token },
      forceNew: true,
    });
    const times: number[] = [];
    s.on('ticks', () => times.push(Date.now()));
    return { s, times };
  });
  try {
    for (const p of probes) {
      await new Promise<void>((r) => (p.s.connected ? r() : p.s.once('connect', () => r())));
      await p.s.timeout(10_000).emitWithAck('subscribe', { instruments: tokens.slice(0, 20), mode: 'quote' });
    }
    await waitFor(() => probes.every((p) => p.times.length > 5), 'probes ticking', 20_000);
    const killedAt = Date.now();
    nodes[0].proc.kill('SIGKILL');
    await waitFor(
      () => probes.every((p) => p.times.some((t) => t > killedAt + 20)),
      'ticks again',
      30_000,
      5,
    );
    return Math.max(...probes.map((p) => p.times.find((t) => t > killedAt + 20)! - killedAt));
  } finally {
    for (const p of probes) p.s.disconnect();
    await Promise.all(nodes.map((n) => stop(n.proc)));
  }
}

/** 1 node and 3 nodes under the same load, interleaved (1, 3, 1, 3…); then `kills` fail-overs. */
export async function benchCluster(o: FanoutOptions, repeat: number, kills: number): Promise<ClusterRuns> {
  const { tokens, subscriptions } = assignments(o);
  const token = signClientToken(new JwtService(jwtOptions(JWT_SECRET)), 'bench', 'viewer', 3600);
  const redis = await RedisServer.start();
  const sim = await startSim(o.ticksPerSecond);
  const out: ClusterRuns = { one: [], three: [], upstream_connections_peak: 0, failover_gap_ms: [] };
  try {
    const side = async (n: number): Promise<ClusterSide> => {
      await redis.client.flushall();
      await fetch(`${sim.apiRoot}/__sim/reset`, { method: 'POST' });
      const nodes = await startNodes(sim, redis, n, `bench${n}`, o.cpuProfDir);
      try {
        return await measure(o, redis, nodes, token, subscriptions);
      } finally {
        await Promise.all(nodes.map((s) => stop(s.proc)));
      }
    };
    for (let i = 0; i < repeat; i++) {
      progress(`cluster: run ${i + 1} of ${repeat}`);
      out.one.push(await side(1));
      out.three.push(await side(3));
      const peak = (await simStats(sim)).ws_connections_peak as number;
      out.upstream_connections_peak = Math.max(out.upstream_connections_peak, peak);
    }
    for (let k = 0; k < kills; k++) {
      await redis.client.flushall();
      out.failover_gap_ms.push(await failoverGap(sim, redis, token, tokens, k));
      progress(`fail-over ${k + 1}: ${out.failover_gap_ms.at(-1)} ms`);
    }
    return out;
  } finally {
    await stop(sim.proc);
    await redis.close();
  }
}
