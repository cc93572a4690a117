import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMaster } from '../instruments/instrument-master.js';
import type { InstrumentInfo } from '../instruments/instrument.js';
import { MASTER_FILE } from './tape-files.js';

/** The instrument master a day's folder holds (empty when it has none or it is unreadable). */
export function dayMaster(root: string, day: string): InstrumentInfo[] {
  const path = join(root, day, MASTER_FILE);
  if (!existsSync(path)) return [];
  try {
    return decodeMaster(readFileSync(path)).rows;
  } catch {
    return [];
  }
}

/** `NSE:INFY` for each token of a master. */
export const symbolsOf = (rows: readonly InstrumentInfo[]): Map<number, string> =>
  new Map(rows.map((r) => [r.instrument_token, `${r.exchange}:${r.tradingsymbol}`]));
