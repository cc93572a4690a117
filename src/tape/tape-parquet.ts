import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { TAPE_VERSION } from './tape-format.js';
import { tickRows, type ExportOptions } from './tape-export.js';
import { TICK_COLUMNS, type ColumnKind, type TickColumn } from './tick-columns.js';

/** Rows per Parquet row group: a group's columns are held in memory until it is written. */
const ROW_GROUP = 100_000;

const TYPES: Record<ColumnKind, Omit<SchemaElement, 'name'>> = {
  // epoch milliseconds, UTC-adjusted, so that readers show the instant in any zone
  time: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
  int: { type: 'INT64' },
  price: { type: 'DOUBLE' },
  text: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
};

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: TICK_COLUMNS.length },
  ...TICK_COLUMNS.map((c) => ({ name: c.name, ...TYPES[c.kind], repetition_type: 'OPTIONAL' as const })),
];

type Cell = bigint | number | string | Date | null;

function parquetCell(c: TickColumn, v: string | number | undefined): Cell {
  if (v === undefined) return null;
  if (c.kind === 'time') return new Date(typeof v === 'number' ? v : Date.parse(v));
  if (c.kind === 'int') return BigInt(v);
  return v;
}

/**
 * Writes the day's decoded ticks as Parquet (the CSV's columns, typed: times as UTC timestamps in
 * ms, integers as INT64, prices as DOUBLE, absent values null), in row groups of 100,000 ticks,
 * SNAPPY-compressed; returns the row count.
 */
export async function exportParquet(o: ExportOptions): Promise<number> {
  const writer = new ParquetWriter({
    writer: fileWriter(o.out),
    schema: SCHEMA,
    kvMetadata: [
      { key: 'kite-relay.tape.version', value: String(TAPE_VERSION) },
      { key: 'kite-relay.tape.day', value: o.day },
    ],
    createdBy: 'kite-relay tape export',
  });
  let columns: Cell[][] = TICK_COLUMNS.map(() => []);
  let rows = 0;
  const flush = async () => {
    const columnData = TICK_COLUMNS.map((c, i) => ({ name: c.name, data: columns[i] }));
    await writer.write({ columnData, rowGroupSize: ROW_GROUP });
    columns = TICK_COLUMNS.map(() => []);
  };
  for (const r of tickRows(o)) {
    TICK_COLUMNS.forEach((c, i) => columns[i].push(parquetCell(c, c.get(r))));
    if (++rows % ROW_GROUP === 0) await flush();
  }
  if (columns[0].length > 0 || rows === 0) await flush();
  await writer.finish();
  return rows;
}
