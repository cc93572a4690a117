import { writeFileSync } from 'node:fs';
import { benchCandles } from './candles.bench.js';
import { benchCluster } from './cluster.bench.js';
import { benchDecode } from './decode.bench.js';
import { cliFlag } from '../../src/cli-flags.js';
import { benchFanout, benchTimeToReady, type FanoutOptions, type FanoutSide } from './fanout.bench.js';

// `npm run bench [-- --quick] [-- --json FILE] [-- --clients N] [-- --rate N] [-- --only decode|fanout|cluster|candles|ready]
// [-- --cpu-prof]` (the fan-out gateway's V8 profile in test-artifacts/profiles):
// one table, each figure beside the reference measured in the same run, and its ratio.
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name: string) => cliFlag(args, name);
const only = opt('only');
const want = (part: string) => !only || only === part;
const jsonAt = opt('json');

const rows: string[][] = [];
const fmt = (n: number) => n.toLocaleString('en-US');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '—');
const out: Record<string, unknown> = {};

if (want('decode')) {
  const seconds = quick ? 0.5 : 2;
  const decode = {
    full: benchDecode('full', seconds),
    quote: benchDecode('quote', seconds),
    ltp: benchDecode('ltp', seconds),
  };
  out.decode = decode;
  for (const [mode, r] of Object.entries(decode)) {
    rows.push([
      `decode ${mode} (packets/s)`,
      fmt(r.packets_per_s),
      fmt(r.reference_packets_per_s),
      `${r.ratio.toFixed(1)}×`,
    ]);
  }
  rows.push(['', '', '(KiteTicker.parseBinary)', '']);
}

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
  };
  const memoryClients = Number(opt('memory-clients') ?? (quick ? 500 : 2000));
  const f = await benchFanout(o, memoryClients);
  const r = f.relay;
  const ref = f.reference;
  out.fanout = {
    ...r,
    ...Object.fromEntries(Object.entries(ref).map(([k, v]) => [`reference_${k}`, v])),
    options: o,
  };
  out.upstream_connections_peak = f.upstream_connections_peak;
  out.reference_upstream_connections_peak = f.reference_upstream_connections_peak;
  out.memory_per_client = f.memory_per_client;
  rows.push([
    `fan-out ${o.ticksPerSecond} ticks/s, ${o.instruments} instr → ${o.clients} clients × ${o.perClient}`,
    'kite-relay',
    'bare Socket.IO',
    '',
  ]);
  // [label, figure, ratio direction]: 'up' when more is better (kite-relay ÷ reference),
  // 'down' when less is better (reference ÷ kite-relay), none when the figure is context.
  const figures: [string, keyof FanoutSide, ('up' | 'down')?][] = [
    ['offered ticks/s', 'offered_per_s'],
    ['delivered ticks/s', 'delivered_per_s', 'up'],
    ['latency p50 (ms)', 'p50_ms'],
    ['latency p99 (ms)', 'p99_ms', 'down'],
    ['latency max (ms)', 'max_ms'],
    ['server CPU (% of a core)', 'server_cpu_pct'],
    ['server CPU per delivered tick (µs)', 'server_cpu_us_per_tick', 'down'],
    ['server RSS (MiB)', 'server_rss_mb'],
    ['load generators CPU (% of a core)', 'loadgen_cpu_pct'],
  ];
  for (const [label, key, better] of figures) {
    const shown = key.endsWith('_per_s') ? fmt : String;
    const q = better === 'up' ? ratio(r[key], ref[key]) : better === 'down' ? ratio(ref[key], r[key]) : '';
    rows.push([`  ${label}`, shown(r[key]), shown(ref[key]), q]);
  }
  rows.push([
    'upstream connections (peak)',
    String(f.upstream_connections_peak),
    String(f.reference_upstream_connections_peak),
    '',
  ]);
  const m = f.memory_per_client;
  rows.push([
    `memory per idle client at ${fmt(m.clients)} (bytes)`,
    fmt(m.bytes),
    fmt(m.reference_bytes),
    ratio(m.bytes, m.reference_bytes),
  ]);
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
  };
  const c = await benchCluster(o, quick ? 1 : 3);
  out.cluster = { ...c, options: o };
  rows.push([
    `cluster: ${o.ticksPerSecond} ticks/s, ${o.clients} clients × ${o.perClient}`,
    '3 nodes',
    '1 node',
    '',
  ]);
  const figures: [string, keyof FanoutSide][] = [
    ['delivered ticks/s', 'delivered_per_s'],
    ['latency p50 (ms)', 'p50_ms'],
    ['latency p99 (ms)', 'p99_ms'],
    ['latency max (ms)', 'max_ms'],
    ['CPU of all nodes (% of a core)', 'server_cpu_pct'],
    ['CPU per delivered tick (µs)', 'server_cpu_us_per_tick'],
    ['RSS of all nodes (MiB)', 'server_rss_mb'],
  ];
  for (const [label, key] of figures) rows.push([`  ${label}`, fmt(c.three[key]), fmt(c.one[key]), '']);
  rows.push(['  upstream connections (peak)', String(c.upstream_connections_peak), '', '']);
  rows.push([
    `  fail-over gap, holder SIGKILLed (ms, median of ${c.failover_gap_ms.runs.length})`,
    fmt(c.failover_gap_ms.median),
    c.failover_gap_ms.runs.join(' / '),
    '',
  ]);
}

if (want('candles')) {
  const c = benchCandles();
  out.candles = c;
  rows.push(['candle building (ns per tick)', c.ns_per_tick.toFixed(1), '', '']);
  rows.push(['candles: memory per instrument, a full day (bytes)', fmt(c.bytes_per_instrument), '', '']);
}

if (want('ready')) {
  const ready = await benchTimeToReady(quick ? 3 : 5);
  out.time_to_ready_ms = ready.median_ms;
  out.time_to_ready_runs_ms = ready.runs_ms;
  rows.push(['time to ready, simulator mode (ms, median)', fmt(ready.median_ms), '', '']);
}

const table = [['figure', 'kite-relay', 'reference', 'ratio'], ...rows];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
console.log(
  'ratios: decode and delivered = kite-relay ÷ reference; latency and CPU per tick = reference ÷ kite-relay ' +
    '(higher is better for kite-relay); memory = kite-relay ÷ reference (target ≤ 1.2).',
);
if (jsonAt) writeFileSync(jsonAt, JSON.stringify(out, null, 2));
