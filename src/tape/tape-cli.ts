import { resolve, join } from 'node:path';
import { istInstant, istIso } from '../clock/ist.js';
import { dayMaster } from './day-master.js';
import { exportCsv } from './tape-export.js';
import { exportParquet } from './tape-parquet.js';
import { listDays, type DayListing } from './tape-ls.js';
import { DAY_PATTERN } from './tape-files.js';

// `npm run tape -- ls [--dir DIR] [--json]`
// `npm run tape -- export --day D [--dir DIR] [--instrument NSE:INFY …] [--from HH:MM --to HH:MM] --format csv|parquet --out FILE`

/** sysexits EX_USAGE. */
const EX_USAGE = 64;
const USAGE = `usage:
  npm run tape -- ls [--dir DIR] [--json]
  npm run tape -- export --day YYYY-MM-DD --format csv|parquet --out FILE [--dir DIR] [--instrument NSE:INFY|TOKEN ...] [--from HH:MM] [--to HH:MM]
DIR defaults to RECORD_DIR, else DATA_DIR/tape, else data/tape.`;

function usage(problem: string): never {
  process.stderr.write(`tape: ${problem}\n${USAGE}\n`);
  process.exit(EX_USAGE);
}

/** Every value of a repeatable flag, and the single value of the others. */
function flags(args: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)$/.exec(args[i]);
    if (!m) usage(`unexpected argument "${args[i]}"`);
    const value = args[i + 1] !== undefined && !args[i + 1].startsWith('--') ? args[++i] : '';
    out.set(m[1], [...(out.get(m[1]) ?? []), value]);
  }
  return out;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const hhmmss = (ms?: number) => (ms === undefined ? '-' : istIso(ms).slice(11, 19));

function printListing(days: DayListing[]): void {
  const head = ['day', 'segments', 'size', 'frames', 'ticks', 'instruments', 'gaps', 'from', 'to', 'damaged'];
  const rows = days.map((d) => [
    d.day,
    String(d.segments),
    mib(d.bytes),
    String(d.frames),
    String(d.ticks),
    String(d.instruments),
    String(d.gaps),
    hhmmss(d.first),
    hhmmss(d.last),
    d.damaged.corruptBlocks + d.damaged.truncatedBytes > 0
      ? `${d.damaged.corruptBlocks} blocks, ${d.damaged.truncatedBytes} B cut`
      : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const r of [head, ...rows]) {
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
  }
}

function time(day: string, text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d\d:\d\d$/.test(text)) usage(`--${name} must be HH:MM (IST), e.g. 09:15`);
  return istInstant(day, text);
}

async function exportDay(root: string, f: Map<string, string[]>): Promise<void> {
  const one = (k: string) => f.get(k)?.[0] || undefined;
  const day = one('day');
  if (!day || !DAY_PATTERN.test(day)) usage('--day YYYY-MM-DD is required');
  const format = one('format') ?? 'csv';
  if (format !== 'csv' && format !== 'parquet') usage(`--format must be csv or parquet (got "${format}")`);
  const out = one('out');
  if (!out) usage('--out FILE is required');
  const bySymbol = new Map(
    dayMaster(root, day).map((r) => [`${r.exchange}:${r.tradingsymbol}`, r.instrument_token]),
  );
  const tokens = new Set<number>();
  for (const i of f.get('instrument') ?? []) {
    const token = /^\d+$/.test(i) ? Number(i) : bySymbol.get(i);
    if (token === undefined) usage(`--instrument ${i} is not in the master of ${day} (give a token instead)`);
    tokens.add(token);
  }
  const options = {
    root,
    day,
    out: resolve(out),
    tokens,
    from: time(day, one('from'), 'from'),
    to: time(day, one('to'), 'to'),
  };
  const rows = format === 'parquet' ? await exportParquet(options) : exportCsv(options);
  console.log(`tape: wrote ${rows} ticks of ${day} to ${resolve(out)}`);
}

const [command, ...rest] = process.argv.slice(2);
const f = flags(rest);
const root = resolve(
  f.get('dir')?.[0] || process.env.RECORD_DIR || join(process.env.DATA_DIR || 'data', 'tape'),
);
try {
  if (command === 'ls') {
    const days = listDays(root);
    if (f.has('json')) console.log(JSON.stringify(days));
    else if (days.length === 0) console.log(`tape: no recorded days in ${root}`);
    else printListing(days);
  } else if (command === 'export') await exportDay(root, f);
  else usage(command ? `unknown command "${command}"` : 'a command is required');
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  process.stderr.write(`tape: ${e.code === 'ENOENT' ? `no such folder or file: ${e.path}` : e.message}\n`);
  process.exit(1);
}
