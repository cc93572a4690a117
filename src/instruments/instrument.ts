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

/** `EXCHANGE:TRADINGSYMBOL`, as Kite names an instrument. */
export const symbolOf = (i: InstrumentInfo): string => `${i.exchange}:${i.tradingsymbol}`;
