/** The candle intervals `GET /api/candles` serves. */
export type CandleInterval = '1m' | '5m' | '15m';

/** `[time, open, high, low, close, volume]`, time in epoch seconds of the candle's start. */
export type CandleRow = [number, number, number, number, number, number];

/** `GET /api/candles`. */
export interface CandlesResponse {
  instrument_token: number;
  symbol: string | null;
  interval: CandleInterval;
  candles: CandleRow[];
  complete_from: string | null;
}
