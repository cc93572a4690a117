import { writeFileSync } from 'node:fs';
import { benchDecode } from './decode.bench.js';
import { benchFanout, benchTimeToReady, type FanoutOptions } from './fanout.bench.js';

// `npm run bench [-- --quick] [-- --json FILE] [-- --clients N] [-- --rate N] [-- --only decode|fanout|ready]
// [-- --cpu-prof]` (the fan-out gateway's V8 profile in test-artifacts/profiles):
// one table, each figure beside the reference measured in the same run, and its ratio.
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const opt = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
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
  for (const [mode, r] of Object.entries(decode))
    rows.push([
      `decode ${mode} (packets/s)`,
      fmt(r.packets_per_s),
      fmt(r.reference_packets_per_s),
      `${r.ratio.toFixed(1)}×`,
    ]);
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
    reference_delivered_per_s: ref.delivered_per_s,
    reference_p50_ms: ref.p50_ms,
    reference_p99_ms: ref.p99_ms,
    reference_max_ms: ref.max_ms,
    reference_server_cpu_pct: ref.server_cpu_pct,
    reference_server_cpu_us_per_tick: ref.server_cpu_us_per_tick,
    reference_server_rss_mb: ref.server_rss_mb,
    reference_loadgen_cpu_pct: ref.loadgen_cpu_pct,
    options: o,
  };
  out.upstream_connections_peak = f.upstream_connections_peak;
  out.memory_per_client = f.memory_per_client;
  const head = `fan-out ${o.ticksPerSecond} ticks/s, ${o.instruments} instr → ${o.clients} clients × ${o.perClient}`;
  rows.push([head, 'kite-relay', 'bare Socket.IO', '']);
  rows.push(['  offered ticks/s', fmt(r.offered_per_s), fmt(ref.offered_per_s), '']);
  rows.push([
    '  delivered ticks/s',
    fmt(r.delivered_per_s),
    fmt(ref.delivered_per_s),
    ratio(r.delivered_per_s, ref.delivered_per_s),
  ]);
  rows.push(['  latency p50 (ms)', String(r.p50_ms), String(ref.p50_ms), '']);
  rows.push(['  latency p99 (ms)', String(r.p99_ms), String(ref.p99_ms), ratio(ref.p99_ms, r.p99_ms)]);
  rows.push(['  latency max (ms)', String(r.max_ms), String(ref.max_ms), '']);
  rows.push(['  server CPU (% of a core)', String(r.server_cpu_pct), String(ref.server_cpu_pct), '']);
  rows.push([
    '  server CPU per delivered tick (µs)',
    String(r.server_cpu_us_per_tick),
    String(ref.server_cpu_us_per_tick),
    ratio(ref.server_cpu_us_per_tick, r.server_cpu_us_per_tick),
  ]);
  rows.push(['  server RSS (MiB)', String(r.server_rss_mb), String(ref.server_rss_mb), '']);
  rows.push([
    '  load generators CPU (% of a core)',
    String(r.loadgen_cpu_pct),
    String(ref.loadgen_cpu_pct),
    '',
  ]);
  rows.push(['upstream connections (peak)', String(f.upstream_connections_peak), '1', '']);
  const m = f.memory_per_client;
  rows.push([
    `memory per idle client at ${fmt(m.clients)} (bytes)`,
    fmt(m.bytes),
    fmt(m.reference_bytes),
    ratio(m.bytes, m.reference_bytes),
  ]);
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
