/**
 * Memory per idle client: a fresh server, its memory before and after `clients` idle Socket.IO
 * clients connect (no subscriptions), divided by the clients connected: RSS, and the V8 heap after a
 * full collection (both servers run with heap-probe.ts preloaded, which collects on request).
 * kite-relay and the bare reference alternate: A, B, A, B…
 * With `snapshotDir`, the first run of each side also writes V8 heap snapshots at 0 and N clients
 * (read them with heap-diff.ts: `node .build/test/bench/heap-diff.js BEFORE AFTER CLIENTS`).
 */
import { JwtService } from '@nestjs/jwt';
import type { ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import { sleep } from '../helpers/wait.js';
import {
  JWT_SECRET,
  LoadGenerators,
  procStats,
  progress,
  simAccessToken,
  startGateway,
  startReference,
  startSim,
  stop,
  type Server,
} from './bench-kit.js';
import type { ProbeReply, ProbeRequest, ProbeUsage } from './heap-probe.js';

export interface MemorySide {
  /** V8 heap used per client, after a full collection */
  heap_bytes: number;
  /** RSS per client */
  rss_bytes: number;
  /** memory outside the V8 heap (buffers, native) per client */
  external_bytes: number;
  clients_connected: number;
  /** the server's whole RSS with the clients connected (MiB), settled as rss_bytes is */
  rss_mib: number;
  /** the server's peak RSS over its life (VmHWM, MiB): what a container's memory limit must hold */
  rss_peak_mib: number;
  /**
   * RSS and heap per client of a second wave of as many clients again (N → 2N): the marginal
   * cost, without the fixed steps the first clients cause (V8's young generation growing to its
   * maximum while they connect, code compiled on first use), which the figures from 0 include.
   */
  marginal_rss_bytes: number;
  marginal_heap_bytes: number;
}

export interface MemoryRuns {
  clients: number;
  relay: MemorySide[];
  reference: MemorySide[];
  /** the snapshots written, when asked for */
  snapshots: string[];
}

function ask(proc: ChildProcess, request: ProbeRequest): Promise<ProbeReply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`heap probe: no answer to ${request.probe}`)), 120_000);
    const on = (m: ProbeReply) => {
      if (m?.probe !== request.probe) return;
      clearTimeout(timer);
      proc.off('message', on);
      resolve(m);
    };
    proc.on('message', on);
    proc.send(request);
  });
}

/**
 * RSS as the bench has always read it (the least of 8 readings 250 ms apart, no forced collection:
 * the figure a container limit sees), then the heap: the least of 3 readings, each after a full
 * collection, so that it is what the clients retain and not the collector's timing.
 */
async function settled(proc: ChildProcess): Promise<ProbeUsage> {
  let rss = Infinity;
  for (let i = 0; i < 8; i++) {
    await sleep(250);
    rss = Math.min(rss, procStats(proc.pid!).rss);
  }
  let least: ProbeUsage | undefined;
  for (let i = 0; i < 3; i++) {
    const r = await ask(proc, { probe: 'usage' });
    if (r.probe !== 'usage') continue;
    const u = r.usage;
    least = {
      heap_used: Math.min(least?.heap_used ?? Infinity, u.heap_used),
      external: Math.min(least?.external ?? Infinity, u.external),
      array_buffers: Math.min(least?.array_buffers ?? Infinity, u.array_buffers),
      rss,
    };
  }
  return least!;
}

/** VmHWM: the most RSS the process has held so far (bytes). */
function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

async function snapshot(proc: ChildProcess, path: string): Promise<string> {
  const r = await ask(proc, { probe: 'snapshot', path });
  return r.probe === 'snapshot' ? r.path : path;
}

async function idleRun(
  kind: 'relay' | 'reference',
  start: () => Promise<Server>,
  token: string | undefined,
  clients: number,
  procs: number,
  snapshotAt?: string,
  snapshots: string[] = [],
): Promise<MemorySide> {
  const server = await start();
  try {
    await sleep(1000);
    const before = await settled(server.proc);
    if (snapshotAt) snapshots.push(await snapshot(server.proc, `${snapshotAt}-0.heapsnapshot`));
    progress(`${kind} memory: connecting ${clients} idle clients`);
    const { load, connected } = await LoadGenerators.start(
      procs,
      { url: server.url, kind, token },
      Array.from({ length: clients }, () => []),
    );
    try {
      await sleep(1000);
      const after = await settled(server.proc);
      if (snapshotAt) {
        snapshots.push(await snapshot(server.proc, `${snapshotAt}-${connected}.heapsnapshot`));
      }
      const per = (k: keyof ProbeUsage) => Math.round((after[k] - before[k]) / Math.max(1, connected));
      progress(`${kind} memory: connecting ${clients} more idle clients`);
      const wave = await LoadGenerators.start(
        procs,
        { url: server.url, kind, token },
        Array.from({ length: clients }, () => []),
      );
      let more: ProbeUsage;
      try {
        await sleep(1000);
        more = await settled(server.proc);
      } finally {
        await wave.load.stop();
      }
      const marginal = (k: keyof ProbeUsage) =>
        Math.round((more[k] - after[k]) / Math.max(1, wave.connected));
      return {
        marginal_rss_bytes: marginal('rss'),
        marginal_heap_bytes: marginal('heap_used'),
        heap_bytes: per('heap_used'),
        rss_bytes: per('rss'),
        external_bytes: per('external'),
        clients_connected: connected,
        rss_mib: Math.round(after.rss / 2 ** 20),
        rss_peak_mib: Math.round(peakRss(server.proc.pid!) / 2 ** 20),
      };
    } finally {
      await load.stop();
    }
  } finally {
    await stop(server.proc);
  }
}

export async function benchMemory(
  clients: number,
  procs: number,
  repeat: number,
  snapshotDir?: string,
): Promise<MemoryRuns> {
  const jwt = signClientToken(new JwtService(jwtOptions(JWT_SECRET)), 'bench', 'viewer', 3600);
  const sim = await startSim(2000);
  const out: MemoryRuns = { clients, relay: [], reference: [], snapshots: [] };
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  const at = (kind: string, i: number) =>
    snapshotDir && i === 0 ? join(resolve(snapshotDir), `${kind}`) : undefined;
  try {
    for (let i = 0; i < repeat; i++) {
      progress(`memory: run ${i + 1} of ${repeat}`);
      out.relay.push(
        await idleRun(
          'relay',
          async () => startGateway(sim, await simAccessToken(sim), { probe: true }),
          jwt,
          clients,
          procs,
          at('relay', i),
          out.snapshots,
        ),
      );
      out.reference.push(
        await idleRun(
          'reference',
          async () => startReference(sim, await simAccessToken(sim), [], { probe: true }),
          undefined,
          clients,
          procs,
          at('reference', i),
          out.snapshots,
        ),
      );
    }
    return out;
  } finally {
    await stop(sim.proc);
  }
}
