/** The part of an instrument master row kite-relay keeps. */
export interface InstrumentInfo {
  instrument_token: number;
  exchange: string;
  tradingsymbol: string;
  name: string;
  tick_size: number;
  instrument_type: string;
  segment: string;
  /** Kite's other columns, kept so that /kite/instruments can answer the master as Kite's CSV. Absent in a master stored before they were kept. */
  exchange_token?: number;
  last_price?: number;
  /** `YYYY-MM-DD`, or '' for instruments that do not expire. */
  expiry?: string;
  strike?: number;
  lot_size?: number;
}

/** `EXCHANGE:TRADINGSYMBOL`, as Kite names an instrument. */
export const symbolOf = (i: InstrumentInfo): string => `${i.exchange}:${i.tradingsymbol}`;
