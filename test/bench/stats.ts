/**
 * Figures over repeated runs: the median as the figure, the min–max range as its spread. Ratios are
 * taken run by run (relay run i against reference run i, measured back to back) before their median.
 */

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The median of `values` (the mean of the middle two for an even count); NaN when there are none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  return {
    median: median(v),
    min: v.length ? Math.min(...v) : NaN,
    max: v.length ? Math.max(...v) : NaN,
  };
}

/** `a[i] ÷ b[i]` for every run i that has both (and a non-zero divisor). */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.flatMap((x, i) => (b[i] > 0 && Number.isFinite(x) ? [x / b[i]] : []));
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/**
 * Runs of one shape folded into one object of the same field names, each holding the median, with a
 * `<field>_range: [min, max]` beside every numeric field (the `--json` shape). Non-numeric fields
 * are taken from the first run.
 */
export function foldRuns<T extends object>(runs: readonly T[], digits = 2): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (runs.length === 0) return out;
  for (const [key, first] of Object.entries(runs[0])) {
    if (typeof first !== 'number') {
      out[key] = first;
      continue;
    }
    const s = spread(runs.map((r) => (r as Record<string, number>)[key]));
    out[key] = round(s.median, digits);
    out[`${key}_range`] = [round(s.min, digits), round(s.max, digits)];
  }
  return out;
}

/** One cell of the table: `median (min–max)`, or just the value when every run gave the same. */
export function cell(values: readonly number[], show: (n: number) => string): string {
  const s = spread(values);
  if (!Number.isFinite(s.median)) return '—';
  if (s.min === s.max) return show(s.median);
  return `${show(s.median)} (${show(s.min)}–${show(s.max)})`;
}
