/**
 * The bench's output: the table (every figure its median over the runs with the min–max range),
 * the machine's load beside it, and the `--json` shape (medians under today's names, `…_range`
 * beside each, and every run).
 */
import { cpus } from 'node:os';
import type { MachineLoad } from './machine-load.js';
import { cell, foldRuns, ratios, spread } from './stats.js';

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const times = (n: number): string => `${n.toFixed(2)}×`;
export const plain = (n: number): string => String(Number(n.toFixed(2)));

export class Table {
  private readonly rows: string[][] = [['figure', 'kite-relay', 'reference', 'ratio']];

  heading(label: string, a = '', b = '', c = ''): void {
    this.rows.push([label, a, b, c]);
  }

  /** A figure over the runs of both sides, and (when given) its run-by-run ratio. */
  figure(
    label: string,
    a: readonly number[],
    b: readonly number[],
    show: (n: number) => string,
    ratio?: readonly number[],
  ): void {
    this.rows.push([label, cell(a, show), b.length ? cell(b, show) : '', ratio ? cell(ratio, times) : '']);
  }

  print(): void {
    const widths = this.rows[0].map((_, c) => Math.max(...this.rows.map((row) => row[c].length)));
    for (const row of this.rows) {
      console.log(
        row
          .map((x, c) => x.padEnd(widths[c]))
          .join('  ')
          .trimEnd(),
      );
    }
  }
}

/** `foldRuns` with every key (and its `_range`) prefixed. */
export function prefixed(prefix: string, folded: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(folded).map(([k, v]) => [`${prefix}${k}`, v]));
}

/** Run-by-run ratios (or differences) folded into `{ [name]: median, [name_range]: [min, max] }`. */
export function foldSeries(series: Record<string, number[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(series)) {
    const s = spread(values);
    out[name] = Number(s.median.toFixed(2));
    out[`${name}_range`] = [Number(s.min.toFixed(2)), Number(s.max.toFixed(2))];
  }
  return out;
}

export { foldRuns, ratios };

const avg = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');

/** The lines under the table: the machine's load over the whole bench and over each part. */
export function machineLines(
  whole: MachineLoad,
  parts: Record<string, MachineLoad>,
  windows: number[],
): string[] {
  const lines = [
    `machine: ${cpus().length} cores; load average (1/5/15 min) ${avg(whole.loadavg_before)} before, ` +
      `${avg(whole.loadavg_after)} after; other processes' CPU over the whole bench ` +
      `${whole.others_cpu_pct}% of a core (the bench's own ${whole.bench_cpu_pct}%, ${whole.seconds} s)`,
  ];
  for (const [name, m] of Object.entries(parts)) {
    lines.push(
      `  ${name}: other processes ${m.others_cpu_pct}% of a core over ${m.seconds} s; ` +
        `load average ${avg(m.loadavg_before)} → ${avg(m.loadavg_after)}`,
    );
  }
  if (windows.length > 0) {
    lines.push(`  measurement windows: other processes ${cell(windows, String)}% of a core`);
  }
  // Other processes' CPU, not the load average: the load average a bench starts with is mostly the
  // previous bench run's own (it decays over minutes), which warned on quiet machines.
  const busiest = Math.max(whole.others_cpu_pct, ...windows);
  if (busiest >= 20) {
    lines.push(
      `  ⚠ the machine was busy (other processes up to ${busiest}% of a core): absolute figures are not ` +
        'comparable with a quiet run; ratios of interleaved runs hold better.',
    );
  }
  return lines;
}
