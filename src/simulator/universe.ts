/** One row of Kite's instrument master (`GET /instruments`). */
export interface Instrument {
  instrument_token: number;
  exchange_token: number;
  tradingsymbol: string;
  name: string;
  last_price: number;
  expiry: string;
  strike: number;
  tick_size: number;
  lot_size: number;
  instrument_type: string;
  segment: string;
  exchange: string;
}

const named: [number, string, string, number, string, string][] = [
  // token, symbol, name, reference price, instrument type, segment
  [408065, 'INFY', 'INFOSYS', 1573.15, 'EQ', 'NSE'],
  [738561, 'RELIANCE', 'RELIANCE INDUSTRIES', 1412.4, 'EQ', 'NSE'],
  [2953217, 'TCS', 'TATA CONSULTANCY SERV LT', 3310.55, 'EQ', 'NSE'],
  [341249, 'HDFCBANK', 'HDFC BANK', 1718.2, 'EQ', 'NSE'],
  [256265, 'NIFTY 50', 'NIFTY 50', 24120.35, 'EQ', 'INDICES'],
  [260105, 'NIFTY BANK', 'NIFTY BANK', 52340.6, 'EQ', 'INDICES'],
];

/** A small deterministic PRNG, so the universe is the same on every boot. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

const CSV_HEADER =
  'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange';

export const DEFAULT_SYNTHETIC_EQUITIES = 1000;
export const MAX_SYNTHETIC_EQUITIES = 200_000;

/** The number of synthetic equities, checked: a whole number 0..200000, else a RangeError saying so. */
export function syntheticEquityCount(value: unknown): number {
  if (value === undefined) return DEFAULT_SYNTHETIC_EQUITIES;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_SYNTHETIC_EQUITIES) {
    throw new RangeError(
      `instruments must be a whole number 0..${MAX_SYNTHETIC_EQUITIES} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}

/**
 * The simulator's instruments: the named real ones, `syntheticEquities` synthetic NSE equities
 * (SIM0001…), and a few currency futures on NSE CDS (segment 3) and BSE CDS (segment 6) so every
 * divisor is exercised.
 */
export function buildUniverse(syntheticEquities = DEFAULT_SYNTHETIC_EQUITIES): Instrument[] {
  syntheticEquityCount(syntheticEquities);
  const rnd = prng(20261128);
  const out: Instrument[] = named.map(([token, sym, name, price, type, segment]) => ({
    instrument_token: token,
    exchange_token: token >> 8,
    tradingsymbol: sym,
    name,
    last_price: price,
    expiry: '',
    strike: 0,
    tick_size: 0.05,
    lot_size: 1,
    instrument_type: type,
    segment,
    exchange: 'NSE',
  }));
  for (let i = 1; i <= syntheticEquities; i++) {
    const exchangeToken = 900000 + i;
    out.push({
      instrument_token: exchangeToken * 256 + 1,
      exchange_token: exchangeToken,
      tradingsymbol: `SIM${String(i).padStart(4, '0')}`,
      name: `SIMULATED EQUITY ${i}`,
      last_price: Math.round((50 + rnd() * 4950) * 20) / 20,
      expiry: '',
      strike: 0,
      tick_size: 0.05,
      lot_size: 1,
      instrument_type: 'EQ',
      segment: 'NSE',
      exchange: 'NSE',
    });
  }
  const fx: [number, string, number, number, string, string][] = [
    [412001, 'USDINR26DECFUT', 84.5125, 0.0025, 'CDS-FUT', 'CDS'],
    [412002, 'EURINR26DECFUT', 91.2275, 0.0025, 'CDS-FUT', 'CDS'],
  ];
  for (const [et, sym, price, tick, , segment] of fx) {
    out.push({
      instrument_token: et * 256 + 3,
      exchange_token: et,
      tradingsymbol: sym,
      name: sym.slice(0, 6),
      last_price: price,
      expiry: '2026-12-29',
      strike: 0,
      tick_size: tick,
      lot_size: 1000,
      instrument_type: 'FUT',
      segment: `${segment}-FUT`,
      exchange: 'CDS',
    });
  }
  out.push({
    instrument_token: 5001 * 256 + 6,
    exchange_token: 5001,
    tradingsymbol: 'USDINR26DECFUT',
    name: 'USDINR',
    last_price: 84.51,
    expiry: '2026-12-29',
    strike: 0,
    tick_size: 0.0025,
    lot_size: 1000,
    instrument_type: 'FUT',
    segment: 'BCD-FUT',
    exchange: 'BCD',
  });
  return out;
}

export function instrumentsCsv(rows: readonly Instrument[]): string {
  const lines = rows.map((r) =>
    [
      r.instrument_token,
      r.exchange_token,
      r.tradingsymbol,
      r.name,
      r.last_price,
      r.expiry,
      r.strike,
      r.tick_size,
      r.lot_size,
      r.instrument_type,
      r.segment,
      r.exchange,
    ].join(','),
  );
  // No trailing newline: the official client's parser turns one into an empty row.
  return [CSV_HEADER, ...lines].join('\n');
}
