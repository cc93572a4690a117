import type { TickMode } from './kite.constants.js';

export interface DepthEntry {
  price: number;
  quantity: number;
  orders: number;
}

export interface Ohlc {
  open: number;
  high: number;
  low: number;
  close: number;
}

/** A decoded tick, named as Kite's quote API and its official ticker mocks name the fields (SPEC section 4). */
export interface Tick {
  instrument_token: number;
  symbol?: string;
  mode: TickMode;
  tradable: boolean;
  last_price: number;
  last_quantity?: number;
  average_price?: number;
  volume?: number;
  buy_quantity?: number;
  sell_quantity?: number;
  ohlc?: Ohlc;
  /** `last_price − close`, absent in ltp mode (Kite sends no close there). */
  change?: number;
  change_percent?: number;
  last_trade_time?: string | null;
  timestamp?: string | null;
  oi?: number;
  oi_day_high?: number;
  oi_day_low?: number;
  depth?: { buy: DepthEntry[]; sell: DepthEntry[] };
}
