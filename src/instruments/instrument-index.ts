import { symbolOf, type InstrumentInfo } from './instrument.js';

export type SearchHit = InstrumentInfo & { symbol: string };

const MAX_QUERY = 64;

/**
 * The instrument master, indexed once when it loads so that no lookup scans it: tokens and
 * symbols in maps, rows ranked alphabetically for prefix search by binary search, and trigram
 * postings (in rank order) for substring search over symbols and names. A search touches at most
 * the rarest trigram's postings, and stops as soon as it has `limit` hits.
 */
export class InstrumentIndex {
  private readonly rows: InstrumentInfo[];
  private readonly upperSymbols: string[];
  private readonly upperNames: string[];
  private readonly byToken = new Map<number, InstrumentInfo>();
  private readonly bySymbol = new Map<string, InstrumentInfo>();
  /** Row ranks ordered by `EXCHANGE:SYMBOL`. */
  private readonly byFullKey: Uint32Array;
  private readonly fullKeys: string[];
  private readonly symbolTrigrams: Map<string, Uint32Array>;
  private readonly nameTrigrams: Map<string, Uint32Array>;

  constructor(rows: readonly InstrumentInfo[]) {
    const keyed = rows
      .map((row) => ({ row, sym: row.tradingsymbol.toUpperCase() }))
      .sort((a, b) => cmp(a.sym, b.sym) || cmp(a.row.exchange, b.row.exchange));
    this.rows = keyed.map((k) => k.row);
    this.upperSymbols = keyed.map((k) => k.sym);
    this.upperNames = this.rows.map((r) => r.name.toUpperCase());
    for (const r of this.rows) {
      this.byToken.set(r.instrument_token, r);
      this.bySymbol.set(symbolOf(r).toUpperCase(), r);
    }
    this.fullKeys = this.rows.map((r) => symbolOf(r).toUpperCase());
    this.byFullKey = Uint32Array.from(this.rows.keys()).sort((a, b) =>
      cmp(this.fullKeys[a], this.fullKeys[b]),
    );
    this.symbolTrigrams = postings(this.upperSymbols);
    this.nameTrigrams = postings(this.upperNames);
  }

  get size(): number {
    return this.rows.length;
  }

  all(): readonly InstrumentInfo[] {
    return this.rows;
  }

  byInstrumentToken(token: number): InstrumentInfo | undefined {
    return this.byToken.get(token);
  }

  /** By `EXCHANGE:SYMBOL`, any case. */
  bySymbolName(symbol: string): InstrumentInfo | undefined {
    return this.bySymbol.get(symbol.toUpperCase());
  }

  /** Exact symbol, then symbol prefix, then symbol substring, then name substring; alphabetical within each. */
  search(query: string, limit = 20): SearchHit[] {
    const needle = query.trim().toUpperCase().slice(0, MAX_QUERY);
    if (!needle || limit <= 0) return [];
    const seen = new Set<number>();
    const out: number[] = [];
    const take = (rank: number) => {
      if (out.length < limit && !seen.has(rank)) {
        seen.add(rank);
        out.push(rank);
      }
      return out.length >= limit;
    };
    const exact = this.bySymbol.get(needle);
    if (exact) take(this.rank(exact));
    for (const rank of this.symbolRange(needle)) if (this.upperSymbols[rank] === needle && take(rank)) break;
    if (out.length < limit) this.prefixRanks(needle, take);
    if (out.length < limit) this.substringRanks(needle, this.symbolTrigrams, this.upperSymbols, take);
    if (out.length < limit) this.substringRanks(needle, this.nameTrigrams, this.upperNames, take);
    return out.map((rank) => hit(this.rows[rank]));
  }

  private rank(row: InstrumentInfo): number {
    return lowerBound(this.rows.length, (i) => cmpRow(this.rows[i], row) < 0);
  }

  /** Ranks whose symbol starts with `needle`, in order. */
  private *symbolRange(needle: string): Generator<number> {
    for (
      let i = lowerBound(this.rows.length, (k) => this.upperSymbols[k] < needle);
      i < this.rows.length;
      i++
    ) {
      if (!this.upperSymbols[i].startsWith(needle)) return;
      yield i;
    }
  }

  private prefixRanks(needle: string, take: (rank: number) => boolean): void {
    const bySymbol = this.symbolRange(needle);
    let full = lowerBound(this.byFullKey.length, (k) => this.fullKeys[this.byFullKey[k]] < needle);
    // Symbol prefixes first (what people type), then EXCHANGE:SYMBOL prefixes.
    for (const rank of bySymbol) if (take(rank)) return;
    for (; full < this.byFullKey.length; full++) {
      const rank = this.byFullKey[full];
      if (!this.fullKeys[rank].startsWith(needle) || take(rank)) return;
    }
  }

  private substringRanks(
    needle: string,
    index: Map<string, Uint32Array>,
    texts: readonly string[],
    take: (rank: number) => boolean,
  ): void {
    // Shorter than a trigram: no substring search (exact and prefix hits stand).
    if (needle.length < 3) return;
    let candidates: Uint32Array | undefined;
    for (let i = 0; i + 3 <= needle.length; i++) {
      const list = index.get(needle.slice(i, i + 3));
      if (!list) return;
      if (!candidates || list.length < candidates.length) candidates = list;
    }
    for (const rank of candidates ?? []) if (texts[rank].includes(needle) && take(rank)) return;
  }
}

/** A search hit: the columns search answers with (not Kite's every column), and the symbol. */
function hit(r: InstrumentInfo): SearchHit {
  const { instrument_token, exchange, tradingsymbol, name, tick_size, instrument_type, segment } = r;
  return {
    instrument_token,
    exchange,
    tradingsymbol,
    name,
    tick_size,
    instrument_type,
    segment,
    symbol: symbolOf(r),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpRow(a: InstrumentInfo, b: InstrumentInfo): number {
  return cmp(a.tradingsymbol.toUpperCase(), b.tradingsymbol.toUpperCase()) || cmp(a.exchange, b.exchange);
}

/** The first i in [0, n) for which `before(i)` is false (`before` is true on a prefix of the range). */
function lowerBound(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** trigram → ascending ranks of the texts that contain it. */
function postings(texts: readonly string[]): Map<string, Uint32Array> {
  const lists = new Map<string, number[]>();
  texts.forEach((text, rank) => {
    const seen = new Set<string>();
    for (let i = 0; i + 3 <= text.length; i++) {
      const g = text.slice(i, i + 3);
      if (seen.has(g)) continue;
      seen.add(g);
      let list = lists.get(g);
      if (!list) lists.set(g, (list = []));
      list.push(rank);
    }
  });
  return new Map([...lists].map(([g, list]) => [g, Uint32Array.from(list)]));
}
