import { writeFileSync } from 'node:fs';
import { cliFlag } from '../../src/common/cli-flags.js';
import { serverEnv, serverNodeArgs } from './bench-kit.js';
import { benchCandles } from './candles.bench.js';
import { MAC_SHAPES, measureMac } from './bus-mac.js';
import { benchCluster } from './cluster.bench.js';
import { benchDecode, type DecodeResult } from './decode.bench.js';
import { benchKiteWs } from './kite-ws.bench.js';
import { benchFanout, benchTimeToReady, type FanoutOptions, type FanoutSide } from './fanout.bench.js';
import { meterLoad, type MachineLoad } from './machine-load.js';
import { benchMemory } from './memory.bench.js';
import { Table, fmt, foldRuns, foldSeries, machineLines, plain, prefixed, ratios, times } from './report.js';
import { cell, spread } from './stats.js';
import { benchRecordingCost } from './recording.bench.js';
import { benchReplay, benchTapeBytes, type TapeResult } from './tape.bench.js';

// `npm run bench [-- --quick] [-- --repeat N] [-- --json FILE] [-- --clients N] [-- --rate N]
// [-- --only decode|fanout|kite-ws|memory|cluster|candles|ready|tape] [-- --memory-clients N]
// [-- --heap-snapshots DIR] [-- --cpu-prof] [-- --env "KITE_WS_FLUSH_MS=100 …"] [-- --encoding json|compact] [-- --node-args "--max-old-space-size=384 …"]` (V8 profiles of the fan-out gateway and the cluster nodes in test-artifacts/profiles; read them with profile-summary.ts).
// Every figure is measured `--repeat` times (default 3), kite-relay and its reference interleaved
// (A, B, A, B…); the table shows the median and the min–max range, the machine's load under it.
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name: string) => cliFlag(args, name);
const only = opt('only');
const want = (part: string) => !only || only === part;
const jsonAt = opt('json');
const repeat = Math.max(1, Math.floor(Number(opt('repeat') ?? 3)) || 1);
// The tick encoding of kite-relay's fan-out clients (`auth.encoding`); the reference has only its own.
const encoding = opt('encoding') ?? 'json';
if (encoding !== 'json' && encoding !== 'compact') throw new Error(`--encoding ${encoding}: json or compact`);
serverNodeArgs.push(...(opt('node-args')?.split(/\s+/).filter(Boolean) ?? []));
for (const kv of opt('env')?.split(/\s+/).filter(Boolean) ?? []) {
  const at = kv.indexOf('=');
  if (at > 0) serverEnv[kv.slice(0, at)] = kv.slice(at + 1);
}

const table = new Table();
const out: Record<string, unknown> = { repeat };
const whole = meterLoad();
const parts: Record<string, MachineLoad> = {};
const windows: number[] = [];
async function part<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  const stop = meterLoad();
  try {
    return await run();
  } finally {
    parts[name] = stop();
  }
}
const pick = <T, K extends keyof T>(runs: readonly T[], k: K) => runs.map((r) => r[k] as number);

if (want('decode')) {
  const seconds = quick ? 0.5 : 2;
  const modes = ['full', 'quote', 'ltp'] as const;
  const runs = await part('decode', () => {
    const r = { full: [] as DecodeResult[], quote: [] as DecodeResult[], ltp: [] as DecodeResult[] };
    for (let i = 0; i < repeat; i++) for (const m of modes) r[m].push(benchDecode(m, seconds));
    return r;
  });
  out.decode = Object.fromEntries(modes.map((m) => [m, foldRuns(runs[m])]));
  for (const m of modes) {
    const r = runs[m];
    const ours = pick(r, 'packets_per_s');
    table.figure(`decode ${m} (packets/s)`, ours, pick(r, 'reference_packets_per_s'), fmt, pick(r, 'ratio'));
  }
  table.heading('', '', '(KiteTicker.parseBinary)');
}

// [label, figure, ratio direction]: 'up' when more is better (kite-relay ÷ reference),
// 'down' when less is better (reference ÷ kite-relay), none when the figure is context.
const FIGURES: [string, keyof FanoutSide, ('up' | 'down')?][] = [
  ['offered ticks/s', 'offered_per_s'],
  ['delivered ticks/s', 'delivered_per_s', 'up'],
  ['latency p50 (ms)', 'p50_ms'],
  ['latency p99 (ms)', 'p99_ms', 'down'],
  ['latency max (ms)', 'max_ms'],
  ['server CPU (% of a core)', 'server_cpu_pct'],
  ['server CPU per delivered tick (µs)', 'server_cpu_us_per_tick', 'down'],
  ['messages per client a second (socket writes)', 'messages_per_client_per_s'],
  ['server RSS (MiB)', 'server_rss_mb'],
  ['load generators CPU (% of a core)', 'loadgen_cpu_pct'],
  ["other processes' CPU in the window (% of a core)", 'others_cpu_pct'],
];

if (want('fanout')) {
  const o: FanoutOptions = {
    ticksPerSecond: Number(opt('rate') ?? 2000),
    instruments: 500,
    clients: Number(opt('clients') ?? (quick ? 300 : 1000)),
    perClient: 50,
    loadProcesses: 2,
    warmupS: quick ? 2 : 3,
    windowS: quick ? 4 : 10,
    cpuProfDir: args.includes('--cpu-prof') ? 'test-artifacts/profiles' : undefined,
    encoding,
  };
  const f = await part('fanout', () => benchFanout(o, repeat));
  const series: Record<string, number[]> = {};
  table.heading(
    `fan-out ${o.ticksPerSecond} ticks/s, ${o.instruments} instr → ${o.clients} clients × ${o.perClient}`,
    encoding === 'compact' ? 'kite-relay (compact)' : 'kite-relay',
    'bare Socket.IO',
  );
  for (const [label, key, better] of FIGURES) {
    const a = pick(f.relay, key);
    const b = pick(f.reference, key);
    const q = better === 'up' ? ratios(a, b) : better === 'down' ? ratios(b, a) : undefined;
    if (q) series[key] = q;
    table.figure(`  ${label}`, a, b, key.endsWith('_per_s') ? fmt : plain, q);
  }
  table.figure(
    'upstream connections (peak)',
    [f.upstream_connections_peak],
    [f.reference_upstream_connections_peak],
    String,
  );
  windows.push(...pick(f.relay, 'others_cpu_pct'), ...pick(f.reference, 'others_cpu_pct'));
  out.fanout = {
    ...foldRuns(f.relay),
    ...prefixed('reference_', foldRuns(f.reference)),
    ratios: foldSeries(series),
    runs: { relay: f.relay, reference: f.reference },
    options: o,
  };
  out.upstream_connections_peak = f.upstream_connections_peak;
  out.reference_upstream_connections_peak = f.reference_upstream_connections_peak;
}

// Run only when asked for (`--only kite-ws`): three loaded sides per run.
if (only === 'kite-ws') {
  const o: FanoutOptions = {
    ticksPerSecond: Number(opt('rate') ?? 2000),
    instruments: 500,
    clients: Number(opt('clients') ?? (quick ? 300 : 1000)),
    perClient: 50,
    loadProcesses: 2,
    warmupS: quick ? 2 : 3,
    windowS: quick ? 4 : 10,
    cpuProfDir: args.includes('--cpu-prof') ? 'test-artifacts/profiles' : undefined,
  };
  const k = await part('kite-ws', () => benchKiteWs(o, repeat));
  const series: Record<string, number[]> = {};
  table.heading(
    `kite-ws ${o.ticksPerSecond} ticks/s, ${o.instruments} instr → ${o.clients} Kite clients × ${o.perClient}`,
    'kite-relay /kite/ws',
    'bare Socket.IO',
  );
  for (const [label, key, better] of FIGURES) {
    const a = pick(k.kite, key);
    const b = pick(k.reference, key);
    const q = better === 'up' ? ratios(a, b) : better === 'down' ? ratios(b, a) : undefined;
    if (q) series[key] = q;
    table.figure(`  ${label}`, a, b, key.endsWith('_per_s') ? fmt : plain, q);
  }
  table.heading('  against kite-relay’s own Socket.IO path', '/kite/ws', '/market');
  const viaIo = ratios(pick(k.socket_io, 'server_cpu_us_per_tick'), pick(k.kite, 'server_cpu_us_per_tick'));
  series.server_cpu_us_per_tick_vs_socket_io = viaIo;
  for (const [label, key] of FIGURES.filter(([, key]) => key !== 'offered_per_s')) {
    const q = key === 'server_cpu_us_per_tick' ? viaIo : undefined;
    table.figure(
      `  ${label}`,
      pick(k.kite, key),
      pick(k.socket_io, key),
      key.endsWith('_per_s') ? fmt : plain,
      q,
    );
  }
  table.figure('upstream connections (peak)', [k.upstream_connections_peak], [], String);
  windows.push(...pick(k.kite, 'others_cpu_pct'), ...pick(k.reference, 'others_cpu_pct'));
  out.kite_ws = {
    ...foldRuns(k.kite),
    ...prefixed('socket_io_', foldRuns(k.socket_io)),
    ...prefixed('reference_', foldRuns(k.reference)),
    ratios: foldSeries(series),
    upstream_connections_peak: k.upstream_connections_peak,
    runs: { kite: k.kite, socket_io: k.socket_io, reference: k.reference },
    options: o,
  };
}

if (want('memory')) {
  const clients = Number(opt('memory-clients') ?? (quick ? 500 : 2000));
  const m = await part('memory', () => benchMemory(clients, 2, repeat, opt('heap-snapshots')));
  const shape = (s: (typeof m.relay)[number]) => ({
    bytes: s.rss_bytes,
    heap_bytes: s.heap_bytes,
    external_bytes: s.external_bytes,
    rss_mib: s.rss_mib,
    rss_peak_mib: s.rss_peak_mib,
    marginal_bytes: s.marginal_rss_bytes,
    marginal_heap_bytes: s.marginal_heap_bytes,
  });
  const rss = [pick(m.relay, 'rss_bytes'), pick(m.reference, 'rss_bytes')];
  const heap = [pick(m.relay, 'heap_bytes'), pick(m.reference, 'heap_bytes')];
  const ext = [pick(m.relay, 'external_bytes'), pick(m.reference, 'external_bytes')];
  const heapAdded = heap[0].map((x, i) => x - heap[1][i]);
  table.heading(`memory per idle client at ${fmt(clients)} (bytes)`, 'kite-relay', 'bare Socket.IO');
  table.figure('  RSS', rss[0], rss[1], fmt, ratios(rss[0], rss[1]));
  table.figure('  V8 heap (after a full GC)', heap[0], heap[1], fmt, ratios(heap[0], heap[1]));
  table.figure('  outside the heap (external)', ext[0], ext[1], fmt);
  table.figure('  V8 heap kite-relay adds', heapAdded, [], fmt);
  const mRss = [pick(m.relay, 'marginal_rss_bytes'), pick(m.reference, 'marginal_rss_bytes')];
  const mHeap = [pick(m.relay, 'marginal_heap_bytes'), pick(m.reference, 'marginal_heap_bytes')];
  table.figure(
    `  RSS per client, ${fmt(clients)} → ${fmt(2 * clients)}`,
    mRss[0],
    mRss[1],
    fmt,
    ratios(mRss[0], mRss[1]),
  );
  table.figure(
    `  V8 heap per client, ${fmt(clients)} → ${fmt(2 * clients)}`,
    mHeap[0],
    mHeap[1],
    fmt,
    ratios(mHeap[0], mHeap[1]),
  );
  table.figure(
    `  whole RSS with ${fmt(clients)} clients (MiB)`,
    pick(m.relay, 'rss_mib'),
    pick(m.reference, 'rss_mib'),
    fmt,
  );
  table.figure(
    '  peak RSS, connecting included (MiB)',
    pick(m.relay, 'rss_peak_mib'),
    pick(m.reference, 'rss_peak_mib'),
    fmt,
  );
  out.memory_per_client = {
    clients,
    ...foldRuns(m.relay.map(shape), 0),
    ...prefixed('reference_', foldRuns(m.reference.map(shape), 0)),
    ...foldSeries({
      ratio: ratios(rss[0], rss[1]),
      heap_ratio: ratios(heap[0], heap[1]),
      heap_added_bytes: heapAdded,
      marginal_ratio: ratios(mRss[0], mRss[1]),
      marginal_heap_ratio: ratios(mHeap[0], mHeap[1]),
    }),
    runs: { relay: m.relay, reference: m.reference },
    ...(m.snapshots.length ? { snapshots: m.snapshots } : {}),
  };
}

if (want('cluster')) {
  const o: FanoutOptions = {
    ticksPerSecond: Number(opt('rate') ?? 2000),
    instruments: 500,
    clients: Number(opt('clients') ?? (quick ? 300 : 600)),
    perClient: 50,
    loadProcesses: 3,
    warmupS: quick ? 2 : 3,
    windowS: quick ? 4 : 10,
    cpuProfDir: args.includes('--cpu-prof') ? 'test-artifacts/profiles' : undefined,
  };
  const c = await part('cluster', () => benchCluster(o, repeat, quick ? 1 : 3));
  const cpuRatio = ratios(pick(c.three, 'server_cpu_us_per_tick'), pick(c.one, 'server_cpu_us_per_tick'));
  const p99Added = pick(c.three, 'p99_ms').map((x, i) => x - c.one[i].p99_ms);
  table.heading(
    `cluster: ${o.ticksPerSecond} ticks/s, ${o.clients} clients × ${o.perClient}`,
    '3 nodes',
    '1 node',
  );
  for (const [label, key] of FIGURES.filter(([, k]) => k !== 'offered_per_s' && k !== 'loadgen_cpu_pct')) {
    const q = key === 'server_cpu_us_per_tick' ? cpuRatio : undefined;
    const shown = key.endsWith('_per_s') ? fmt : plain;
    const name = label.replace('server ', 'all nodes: ');
    table.figure(`  ${name}`, pick(c.three, key), pick(c.one, key), shown, q);
  }
  table.heading('  latency p99 added by the Redis hop (ms)', cell(p99Added, plain));
  // The bus hop on its own: the followers' clients against the holder's, in the same 3-node run.
  const hop = (q: 'p50' | 'p99') => c.three.map((r) => r[`followers_${q}_ms`] - r[`holder_${q}_ms`]);
  for (const q of ['p50', 'p99'] as const) {
    table.figure(
      `  latency ${q}: holder's clients / followers' clients (ms)`,
      pick(c.three, `holder_${q}_ms`),
      pick(c.three, `followers_${q}_ms`),
      plain,
    );
  }
  table.heading(
    '  bus hop, holder → Redis → follower, p50 / p99 (ms)',
    `${cell(hop('p50'), plain)} / ${cell(hop('p99'), plain)}`,
  );
  // Signing the bus, per frame: sealed once on the holder, opened once on each follower.
  const mac = MAC_SHAPES.map(([name, bytes]) => ({ name, bytes, ...measureMac(bytes) }));
  for (const m of mac) {
    table.heading(
      `  bus MAC, frame of ${m.name} (${m.bytes} B): seal / open (µs)`,
      `${m.seal.toFixed(1)} / ${m.open.toFixed(1)}`,
    );
  }
  const nodeCpu = (i: number) => c.three.map((r) => r.node_cpu_pct[i]);
  table.figure(
    '  CPU per node: holder / each follower (% of a core)',
    nodeCpu(0),
    c.three.map((r) => (r.node_cpu_pct[1] + r.node_cpu_pct[2]) / 2),
    plain,
  );
  table.figure(
    '  Redis: commands/s in the window',
    pick(c.three, 'redis_ops_per_s'),
    pick(c.one, 'redis_ops_per_s'),
    fmt,
  );
  table.figure(
    '  Redis: its CPU (% of a core)',
    pick(c.three, 'redis_cpu_pct'),
    pick(c.one, 'redis_cpu_pct'),
    plain,
  );
  table.figure(
    '  Redis: commands per client to connect and subscribe',
    pick(c.three, 'redis_ops_per_client_connect'),
    pick(c.one, 'redis_ops_per_client_connect'),
    plain,
  );
  table.figure('  upstream connections (peak)', [c.upstream_connections_peak], [], String);
  table.figure(
    `  fail-over gap, holder SIGKILLed (ms, ${c.failover_gap_ms.length} kills)`,
    c.failover_gap_ms,
    [],
    fmt,
  );
  windows.push(...pick(c.one, 'others_cpu_pct'), ...pick(c.three, 'others_cpu_pct'));
  const gap = spread(c.failover_gap_ms);
  out.cluster = {
    one: foldRuns(c.one),
    three: foldRuns(c.three),
    ratios: foldSeries({ server_cpu_us_per_tick: cpuRatio }),
    ...foldSeries({ p99_added_ms: p99Added, bus_hop_p50_ms: hop('p50'), bus_hop_p99_ms: hop('p99') }),
    bus_mac_us_per_frame: Object.fromEntries(mac.map((m) => [m.bytes, { seal: m.seal, open: m.open }])),
    upstream_connections_peak: c.upstream_connections_peak,
    failover_gap_ms: { median: gap.median, range: [gap.min, gap.max], runs: c.failover_gap_ms },
    runs: { one: c.one, three: c.three },
    options: o,
  };
}

if (want('candles')) {
  const runs = await part('candles', () => Array.from({ length: repeat }, () => benchCandles()));
  out.candles = foldRuns(runs, 1);
  table.figure('candle building (ns per tick)', pick(runs, 'ns_per_tick'), [], (n) => n.toFixed(1));
  table.figure(
    'candles: memory per instrument, a full day (bytes)',
    pick(runs, 'bytes_per_instrument'),
    [],
    fmt,
  );
}

if (want('tape')) {
  const modes = ['ltp', 'quote', 'full'] as const;
  const runs = await part('tape', async () => {
    const r = { ltp: [] as TapeResult[], quote: [] as TapeResult[], full: [] as TapeResult[] };
    for (let i = 0; i < repeat; i++) {
      for (const m of modes) r[m].push(await benchTapeBytes(m, 100, quick ? 120 : 600));
    }
    return r;
  });
  out.tape = Object.fromEntries(modes.map((m) => [m, foldRuns(runs[m])]));
  table.heading('tape: bytes per instrument-day, 1 tick/s', 'on disk', 'as Kite sent it');
  for (const m of modes) {
    const r = runs[m];
    table.figure(
      `  ${m}`,
      pick(r, 'bytes_per_instrument_day'),
      pick(r, 'raw_bytes_per_instrument_day'),
      fmt,
      pick(r, 'ratio'),
    );
  }
  table.figure(
    'tape: CPU per recorded full frame of 100 packets (µs)',
    pick(runs.full, 'total_us_per_frame'),
    [],
    plain,
  );
  const fo: FanoutOptions = {
    ticksPerSecond: Number(opt('rate') ?? 2000),
    instruments: 500,
    clients: Number(opt('clients') ?? (quick ? 300 : 1000)),
    perClient: 50,
    loadProcesses: 2,
    warmupS: quick ? 2 : 3,
    windowS: quick ? 4 : 10,
  };
  const rec = await part('tape-fanout', () => benchRecordingCost(fo, repeat));
  table.heading(
    `tape: fan-out ${fo.ticksPerSecond} ticks/s → ${fo.clients} clients × ${fo.perClient}`,
    'recording on',
    'recording off',
  );
  const recSeries: Record<string, number[]> = {};
  for (const [label, key, better] of FIGURES) {
    const a = pick(rec.on, key);
    const b = pick(rec.off, key);
    const q = better === 'up' ? ratios(a, b) : better === 'down' ? ratios(b, a) : undefined;
    if (q) recSeries[key] = q;
    table.figure(`  ${label}`, a, b, key.endsWith('_per_s') ? fmt : plain, q);
  }
  table.figure('  bytes recorded in the run', rec.bytes_recorded, [], fmt);
  windows.push(...pick(rec.on, 'others_cpu_pct'), ...pick(rec.off, 'others_cpu_pct'));
  out.tape_fanout = {
    ...prefixed('on_', foldRuns(rec.on)),
    ...prefixed('off_', foldRuns(rec.off)),
    ratios: foldSeries(recSeries),
    bytes_recorded: rec.bytes_recorded,
  };
  const replay = Array.from({ length: repeat }, () => benchReplay(quick ? 5000 : 20_000));
  out.replay = foldRuns(replay);
  table.figure('replay at maximum speed (frames of 50 packets/s)', pick(replay, 'frames_per_s'), [], fmt);
}

if (want('ready')) {
  const ready = await part('ready', () => benchTimeToReady(quick ? 3 : 5));
  out.time_to_ready_ms = ready.median_ms;
  out.time_to_ready_ms_range = [Math.min(...ready.runs_ms), Math.max(...ready.runs_ms)];
  out.time_to_ready_runs_ms = ready.runs_ms;
  table.figure('time to ready, simulator mode (ms)', ready.runs_ms, [], fmt);
}

const load = whole();
out.machine = { ...load, parts, windows_others_cpu_pct: windows };
table.print();
console.log(
  `each figure: the median of ${repeat} run(s) (min–max). Ratios, run by run: decode and delivered = ` +
    'kite-relay ÷ reference; latency and CPU per tick = reference ÷ kite-relay (higher is better for ' +
    `kite-relay); memory = kite-relay ÷ reference (goal ≤ 1.0); cluster CPU per tick = 3 ÷ 1 (goal ≤ ${times(1.3)}).`,
);
for (const line of machineLines(load, parts, windows)) console.log(line);
if (jsonAt) writeFileSync(jsonAt, JSON.stringify(out, null, 2));
