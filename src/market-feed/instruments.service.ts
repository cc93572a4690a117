import { Injectable, Logger } from '@nestjs/common';
import { CacheService } from '../cache/cache.service.js';
import { KiteApiService } from '../auth/kite-api.service.js';

/** The part of an instrument master row kite-relay keeps. */
export interface InstrumentInfo {
  instrument_token: number;
  exchange: string;
  tradingsymbol: string;
  name: string;
  tick_size: number;
  instrument_type: string;
  segment: string;
}

const MAX_INPUT = 64;
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The instrument master, loaded from Kite's `/instruments` and kept in memory. */
@Injectable()
export class InstrumentsService {
  private readonly logger = new Logger(InstrumentsService.name);
  private byToken = new Map<number, InstrumentInfo>();
  private bySymbol = new Map<string, InstrumentInfo>();
  private loading?: Promise<void>;

  constructor(
    private readonly kite: KiteApiService,
    private readonly cache: CacheService,
  ) {}

  get size(): number {
    return this.byToken.size;
  }

  /**
   * Resolves once the master is loaded, or after `timeoutMs` (or at once when it cannot load, e.g.
   * with no Kite session), so a symbol asked for right after a login is not refused as unknown.
   */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.byToken.size > 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.load().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** Loads the master from the cache or Kite; concurrent calls share one load. */
  load(force = false): Promise<void> {
    this.loading ??= this.fetch(force).finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetch(force: boolean): Promise<void> {
    let rows = force ? undefined : await this.cache.getInstruments<InstrumentInfo>().catch(() => undefined);
    if (!rows?.length) {
      const raw = await this.kite.call('instruments', (k) => k.getInstruments());
      rows = raw
        .map((r) => ({
          instrument_token: Number(r.instrument_token),
          exchange: text(r.exchange),
          tradingsymbol: text(r.tradingsymbol),
          name: text(r.name),
          tick_size: Number(r.tick_size),
          instrument_type: text(r.instrument_type),
          segment: text(r.segment),
        }))
        .filter((r) => Number.isInteger(r.instrument_token) && r.instrument_token > 0 && r.tradingsymbol);
      await this.cache.setInstruments(rows).catch(() => undefined);
    }
    this.byToken = new Map(rows.map((r) => [r.instrument_token, r]));
    this.bySymbol = new Map(rows.map((r) => [`${r.exchange}:${r.tradingsymbol}`.toUpperCase(), r]));
    this.logger.log(`instrument master: ${rows.length} instruments`);
  }

  symbolOf(token: number): string | undefined {
    const i = this.byToken.get(token);
    return i && `${i.exchange}:${i.tradingsymbol}`;
  }

  /** Resolves `NSE:INFY` or a token (number or digits); undefined when unknown or malformed. */
  resolve(input: unknown): { token: number; symbol?: string } | undefined {
    if (typeof input === 'number') {
      if (!Number.isInteger(input) || input <= 0 || input > 0xffffffff) return undefined;
      if (this.byToken.size > 0 && !this.byToken.has(input)) return undefined;
      return { token: input, symbol: this.symbolOf(input) };
    }
    if (typeof input !== 'string' || input.length === 0 || input.length > MAX_INPUT) return undefined;
    if (/^\d+$/.test(input)) return this.resolve(Number(input));
    if (!/^[A-Z]+:[^\s:].*$/i.test(input)) return undefined;
    const i = this.bySymbol.get(input.toUpperCase());
    return i && { token: i.instrument_token, symbol: `${i.exchange}:${i.tradingsymbol}` };
  }

  info(token: number): InstrumentInfo | undefined {
    return this.byToken.get(token);
  }

  /** Search by symbol or name: exact, then prefix, then substring matches. */
  search(q: string, limit = 20): (InstrumentInfo & { symbol: string })[] {
    const needle = q.trim().toUpperCase().slice(0, MAX_INPUT);
    if (!needle) return [];
    const scored: [number, InstrumentInfo][] = [];
    for (const i of this.byToken.values()) {
      const sym = i.tradingsymbol.toUpperCase();
      const full = `${i.exchange}:${sym}`;
      const score =
        sym === needle || full === needle
          ? 0
          : sym.startsWith(needle) || full.startsWith(needle)
            ? 1
            : sym.includes(needle)
              ? 2
              : i.name.toUpperCase().includes(needle)
                ? 3
                : -1;
      if (score >= 0) scored.push([score, i]);
    }
    return scored
      .sort((a, b) => a[0] - b[0] || a[1].tradingsymbol.localeCompare(b[1].tradingsymbol))
      .slice(0, limit)
      .map(([, i]) => ({ ...i, symbol: `${i.exchange}:${i.tradingsymbol}` }));
  }
}
