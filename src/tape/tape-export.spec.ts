import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMaster } from '../instruments/instrument-master.js';
import { decodeFrame } from '../kite/decode-frame.js';
import { encodeFrame, encodeHeartbeat } from '../kite/encode-frame.js';
import type { Tick } from '../kite/tick.js';
import { MarketModel } from '../simulator/market-model.js';
import { buildUniverse } from '../simulator/universe.js';
import { SegmentWriter } from './segment-writer.js';
import { asyncBufferFromFile, parquetMetadata, parquetReadObjects } from 'hyparquet';
import { istIso } from '../clock/ist.js';
import { CSV_COLUMNS, exportCsv } from './tape-export.js';
import { exportParquet } from './tape-parquet.js';
import { RecordKind, TAPE_VERSION, jsonPayload, type TapeRecord } from './tape-format.js';
import { TapeFiles, segmentFileName } from './tape-files.js';
import { listDays } from './tape-ls.js';

const INFY = 408065;
const RELIANCE = 738561;
const NIFTY = 256265;
const DAY = '2026-12-01';
const T0 = Date.parse(`${DAY}T09:15:00+05:30`);
const CLI = join(import.meta.dirname, 'tape-cli.js');

async function segment(root: string, day: string, fencing: number, records: TapeRecord[]): Promise<void> {
  const at = records[0]?.at ?? T0;
  const path = join(root, day, segmentFileName('n1', fencing, at));
  const header = { format: 'kite-relay tape' as const, version: TAPE_VERSION, day, node: 'n1', fencing };
  const w = new SegmentWriter(path, { ...header, started_at: at, codec: 'zstd' }, (e) =>
    assert.fail(String(e)),
  );
  for (const r of records) w.append(r);
  await w.close();
}

/** A tape of two days: the first with two tenures, a gap and a master; 3 instruments in full, ltp and quote. */
async function fixture(): Promise<{ root: string; ticks: { at: number; tick: Tick }[] }> {
  const root = mkdtempSync(join(tmpdir(), 'kr-tape-x-'));
  const universe = buildUniverse(10);
  const model = new MarketModel(universe);
  const ticks: { at: number; tick: Tick }[] = [];
  const frames: TapeRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const at = T0 + i * 250;
    const items = [
      { tick: model.step(INFY, at)!, mode: 'full' as const },
      { tick: model.step(RELIANCE, at)!, mode: 'ltp' as const },
      { tick: model.step(NIFTY, at)!, mode: 'quote' as const },
    ];
    const payload = encodeFrame(items);
    for (const tick of decodeFrame(payload).ticks) ticks.push({ at, tick });
    frames.push({ kind: RecordKind.frame, at, shard: 0, payload });
    frames.push({ kind: RecordKind.frame, at: at + 1, shard: 0, payload: encodeHeartbeat() });
  }
  const lease = (fencing: number, at: number): TapeRecord => ({
    kind: RecordKind.lease,
    at,
    shard: 0,
    payload: jsonPayload({ role: 'holder', holder: 'n1', fencing }),
  });
  const gap: TapeRecord = {
    kind: RecordKind.gap,
    at: T0 + 5000,
    shard: 0,
    payload: jsonPayload({ from: T0 + 4900, to: T0 + 5000, reason: 'queue_full', dropped: 2 }),
  };
  await segment(root, DAY, 3, [lease(3, T0), ...frames.slice(0, 40)]);
  await segment(root, DAY, 4, [lease(4, T0 + 5000), gap, ...frames.slice(40)]);
  await segment(root, '2026-12-02', 5, [{ ...frames[0], at: T0 + 86_400_000 }]);
  const rows = universe.map((u) => ({ ...u, name: u.name, tick_size: u.tick_size }));
  await new TapeFiles(root).writeMaster(DAY, encodeMaster({ fetchedAt: T0, rows }));
  return { root, ticks };
}

const parseCsv = (text: string) => {
  const [head, ...lines] = text.trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
};

describe('tape: ls and export', () => {
  it('ls lists each day with its segments, size, frames, ticks, instruments and gaps', async () => {
    const { root } = await fixture();
    const [d1, d2] = listDays(root);
    assert.equal(d1.day, DAY);
    assert.equal(d1.segments, 2);
    assert.equal(d1.frames, 80); // heartbeats are frames too
    assert.equal(d1.ticks, 120);
    assert.equal(d1.instruments, 3);
    assert.equal(d1.gaps, 1);
    assert.equal(d1.first, T0);
    assert.ok(d1.bytes > 0);
    assert.deepEqual(d1.damaged, { corruptBlocks: 0, truncatedBytes: 0 });
    assert.equal(d2.day, '2026-12-02');
    assert.equal(d2.instruments, 3);
  });

  it('export writes one CSV row per tick in receive order, with symbols of the day and depth in full mode', async () => {
    const { root, ticks } = await fixture();
    const out = join(root, 'day.csv');
    const n = exportCsv({ root, day: DAY, out });
    assert.equal(n, ticks.length);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    assert.deepEqual(Object.keys(rows[0]), CSV_COLUMNS);
    assert.deepEqual(
      rows.map((r) => [Number(r.instrument_token), Number(r.last_price)]),
      ticks.map((t) => [t.tick.instrument_token, t.tick.last_price]),
    );
    const infy = rows.find((r) => Number(r.instrument_token) === INFY)!;
    const tick = ticks.find((t) => t.tick.instrument_token === INFY)!.tick;
    assert.equal(infy.symbol, 'NSE:INFY');
    assert.equal(infy.mode, 'full');
    assert.equal(infy.receive_time, '2026-12-01T09:15:00.000+05:30');
    assert.equal(infy.exchange_timestamp, tick.timestamp);
    assert.equal(Number(infy.volume), tick.volume);
    assert.equal(Number(infy.bid_price_1), tick.depth!.buy[0].price);
    assert.equal(Number(infy.ask_quantity_5), tick.depth!.sell[4].quantity);
    const ltp = rows.find((r) => Number(r.instrument_token) === RELIANCE)!;
    assert.equal(ltp.mode, 'ltp');
    assert.equal(ltp.volume, '');
    assert.equal(ltp.bid_price_1, '');
  });

  it('the CLI filters by instrument, lists as JSON, and refuses bad flags clearly', async () => {
    const { root } = await fixture();
    const out = join(root, 'infy.csv');
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    const ex = run(
      'export',
      '--dir',
      root,
      '--day',
      DAY,
      '--instrument',
      'NSE:INFY',
      '--format',
      'csv',
      '--out',
      out,
    );
    assert.equal(ex.status, 0, ex.stderr);
    assert.match(ex.stdout, /wrote 40 ticks/);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    assert.ok(rows.every((r) => Number(r.instrument_token) === INFY));
    const ls = run('ls', '--dir', root, '--json');
    assert.equal(ls.status, 0, ls.stderr);
    assert.deepEqual(
      (JSON.parse(ls.stdout) as { day: string }[]).map((d) => d.day),
      [DAY, '2026-12-02'],
    );
    const table = run('ls', '--dir', root);
    assert.match(table.stdout, /^day\s+segments\s+size/m);
    assert.match(table.stdout, /^2026-12-01\s+2\s+/m);
    const xml = run('export', '--dir', root, '--day', DAY, '--format', 'xml', '--out', out);
    assert.equal(xml.status, 64);
    assert.match(xml.stderr, /--format must be csv or parquet \(got "xml"\)/);
    const unknown = run('export', '--dir', root, '--day', DAY, '--instrument', 'NSE:NOPE', '--out', out);
    assert.equal(unknown.status, 64);
    assert.match(unknown.stderr, /NSE:NOPE is not in the master of 2026-12-01/);
  });

  it('the CLI --from/--to keep the ticks received from --from (inclusive) to --to (exclusive), IST', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kr-tape-w-'));
    const model = new MarketModel(buildUniverse(0));
    const at = (hhmmss: string) => Date.parse(`${DAY}T${hhmmss}+05:30`);
    // Frames on both sides of 09:15-09:16 and on its edges, INFY and RELIANCE in each.
    const times = [
      '09:14:30.000',
      '09:14:59.999',
      '09:15:00.000',
      '09:15:30.000',
      '09:15:59.999',
      '09:16:00.000',
    ];
    const records: TapeRecord[] = times.map((t) => ({
      kind: RecordKind.frame,
      at: at(t),
      shard: 0,
      payload: encodeFrame([
        { tick: model.step(INFY, at(t))!, mode: 'full' },
        { tick: model.step(RELIANCE, at(t))!, mode: 'ltp' },
      ]),
    }));
    await segment(root, DAY, 0, records);
    const out = join(root, 'window.csv');
    const ex = spawnSync(
      process.execPath,
      [CLI, 'export', '--dir', root, '--day', DAY, '--from', '09:15', '--to', '09:16', '--out', out],
      { encoding: 'utf8' },
    );
    assert.equal(ex.status, 0, ex.stderr);
    assert.match(ex.stdout, /wrote 6 ticks/);
    const kept = records
      .slice(2, 5)
      .flatMap((r) =>
        decodeFrame(r.payload).ticks.map((t) => [istIso(r.at), t.instrument_token, t.last_price]),
      );
    assert.deepEqual(
      parseCsv(readFileSync(out, 'utf8')).map((r) => [
        r.receive_time,
        Number(r.instrument_token),
        Number(r.last_price),
      ]),
      kept,
    );
    assert.deepEqual(
      kept.map((k) => k[0]),
      [0, 0, 1, 1, 2, 2].map((i) => `${DAY}T${times[i + 2]}+05:30`),
    );
  });

  it('ls reads RECORD_DIR without --dir, else DATA_DIR/tape', async () => {
    const { root } = await fixture();
    const dataDir = mkdtempSync(join(tmpdir(), 'kr-tape-data-'));
    renameSync(root, join(dataDir, 'tape'));
    const empty = mkdtempSync(join(tmpdir(), 'kr-tape-empty-'));
    mkdirSync(join(empty, 'data', 'tape'), { recursive: true });
    const { RECORD_DIR: _r, DATA_DIR: _d, ...base } = process.env;
    // From a folder whose data/tape is empty, so that only the variables can find the tape.
    const ls = (env: Record<string, string>) =>
      spawnSync(process.execPath, [CLI, 'ls', '--json'], {
        encoding: 'utf8',
        cwd: empty,
        env: { ...base, ...env },
      });
    const days = (r: ReturnType<typeof ls>) => {
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { day: string }[]).map((d) => d.day);
    };
    assert.deepEqual(days(ls({ RECORD_DIR: join(dataDir, 'tape') })), [DAY, '2026-12-02']);
    assert.deepEqual(days(ls({ DATA_DIR: dataDir })), [DAY, '2026-12-02'], 'DATA_DIR/tape');
    assert.deepEqual(days(ls({ RECORD_DIR: empty, DATA_DIR: dataDir })), [], 'RECORD_DIR before DATA_DIR');
    assert.deepEqual(days(ls({})), [], 'data/tape of the working folder');
  });

  it('exports the same ticks to Parquet as to CSV, typed, and a reader gets them back row for row', async () => {
    const { root, ticks } = await fixture();
    const csv = join(root, 'day.csv');
    const parquet = join(root, 'day.parquet');
    exportCsv({ root, day: DAY, out: csv });
    const run = spawnSync(
      process.execPath,
      [CLI, 'export', '--dir', root, '--day', DAY, '--format', 'parquet', '--out', parquet],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`wrote ${ticks.length} ticks`));
    const file = await asyncBufferFromFile(parquet);
    const meta = parquetMetadata(await file.slice(0));
    assert.deepEqual(
      meta.schema.slice(1).map((c) => c.name),
      CSV_COLUMNS,
    );
    assert.ok(meta.key_value_metadata?.some((kv) => kv.key === 'kite-relay.tape.day' && kv.value === DAY));
    const read = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    const rows = parseCsv(readFileSync(csv, 'utf8'));
    assert.equal(read.length, rows.length);
    // every cell equals the CSV's, by the column's type: times as instants, integers exactly, absent as null
    const asCsv = (name: string, v: unknown): string => {
      if (v === null || v === undefined) return '';
      if (v instanceof Date) {
        return name === 'receive_time' ? istIso(v.getTime()) : istIso(v.getTime()).replace('.000', '');
      }
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return String(v);
      throw new Error(`unexpected ${typeof v} in ${name}`);
    };
    read.forEach((p, i) => {
      for (const name of CSV_COLUMNS) assert.equal(asCsv(name, p[name]), rows[i][name], `row ${i} ${name}`);
    });
    const infy = read.find((r) => r.instrument_token === BigInt(INFY))!;
    assert.equal(infy.symbol, 'NSE:INFY');
    assert.equal(typeof infy.bid_price_1, 'number');
    const ltp = read.find((r) => r.instrument_token === BigInt(RELIANCE))!;
    assert.equal(ltp.volume, null);
  });

  it('an export of a filter that keeps nothing is a valid, empty Parquet file', async () => {
    const { root } = await fixture();
    const out = join(root, 'none.parquet');
    assert.equal(await exportParquet({ root, day: DAY, out, tokens: new Set([1]) }), 0);
    const file = await asyncBufferFromFile(out);
    assert.equal(Number(parquetMetadata(await file.slice(0)).num_rows), 0);
    assert.deepEqual(await parquetReadObjects({ file }), []);
  });
});
