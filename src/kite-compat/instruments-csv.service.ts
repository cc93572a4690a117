import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { InstrumentsService } from '../instruments/instruments.service.js';
import { csvLine, INSTRUMENTS_CSV_HEADER } from './instruments-csv.js';

const gzipAsync = promisify(gzip);
const SLICE = 5000;

/** One answer of /kite/instruments: the CSV, gzip'd once, and its ETag. */
export interface CsvAnswer {
  csv: Buffer;
  gzipped: Buffer;
  etag: string;
}

/**
 * The loaded instrument master as Kite's CSV, built once per master and exchange (never a Kite
 * call per request) and dropped when a new master loads: at most one entry per exchange.
 */
@Injectable()
export class InstrumentsCsvService {
  private version = -1;
  private readonly built = new Map<string, Promise<CsvAnswer>>();

  constructor(private readonly instruments: InstrumentsService) {}

  /** The CSV of every instrument (`exchange` undefined) or of one exchange (upper case). */
  answer(exchange?: string): Promise<CsvAnswer> {
    if (this.instruments.version !== this.version) {
      this.version = this.instruments.version;
      this.built.clear();
    }
    const key = exchange ?? '*';
    let p = this.built.get(key);
    if (!p) {
      p = this.build(exchange);
      this.built.set(key, p);
      // A failed build (out of memory, say) is not kept: the next request tries again.
      p.catch(() => this.built.get(key) === p && this.built.delete(key));
    }
    return p;
  }

  private async build(exchange?: string): Promise<CsvAnswer> {
    const all = this.instruments.rows();
    const rows = exchange ? all.filter((r) => r.exchange === exchange) : all;
    // In slices, yielding between them: 100,000 rows at once would hold the event loop ~160 ms.
    const parts = [INSTRUMENTS_CSV_HEADER];
    for (let i = 0; i < rows.length; i += SLICE) {
      parts.push(
        rows
          .slice(i, i + SLICE)
          .map(csvLine)
          .join('\n'),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    const csv = Buffer.from(parts.join('\n'));
    // Weak: the gzip'd and the plain answer share it (the same content, two codings).
    const etag = `W/"${createHash('sha256').update(csv).digest('base64url').slice(0, 27)}"`;
    return { csv, gzipped: await gzipAsync(csv), etag };
  }
}
