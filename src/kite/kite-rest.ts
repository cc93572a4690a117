import { createRequire } from 'node:module';

/** The part of the official `KiteConnect` REST client that kite-relay uses. */
export interface KiteRest {
  generateSession(
    requestToken: string,
    apiSecret: string,
  ): Promise<{ access_token: string; user_id: string; user_name: string; login_time?: string | Date }>;
  getProfile(): Promise<{ user_id: string; user_name: string }>;
  getQuote(instruments: string[]): Promise<Record<string, Record<string, unknown>>>;
  getLTP(instruments: string[]): Promise<Record<string, { instrument_token: number; last_price: number }>>;
  getOHLC(instruments: string[]): Promise<Record<string, Record<string, unknown>>>;
  getInstruments(exchange?: string[] | string): Promise<Record<string, unknown>[]>;
  invalidateAccessToken(accessToken?: string): Promise<unknown>;
  /**
   * Candles of `interval` (`minute`, `3minute`, … `60minute`, `day`) whose start lies in [from, to].
   * Pass `from`/`to` as IST wall-clock text `YYYY-MM-DD HH:MM:SS`: a Date is sent as the process's
   * local wall clock. `date` comes back as a Date parsed from Kite's `2026-12-01T09:15:00+0530`;
   * `oi` only with `oi` set and a non-zero value.
   */
  getHistoricalData(
    instrumentToken: number | string,
    interval: string,
    from: Date | string,
    to: Date | string,
    continuous?: boolean,
    oi?: boolean,
  ): Promise<HistoricalCandle[]>;
}

/** One candle as the official client's `getHistoricalData` returns it. */
export interface HistoricalCandle {
  date: Date;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  oi?: number;
}

const require = createRequire(import.meta.url);
const { KiteConnect } = require('kiteconnect') as {
  KiteConnect: new (p: {
    api_key: string;
    root?: string;
    access_token?: string;
    timeout?: number;
  }) => KiteRest;
};

/** The official REST client, pointed at `root` (Kite, or the simulator). */
export function createKiteRest(apiKey: string, root: string, accessToken?: string): KiteRest {
  return new KiteConnect({ api_key: apiKey, root, access_token: accessToken, timeout: 7000 });
}

/** Kite's error envelope as the client rethrows it. */
export interface KiteApiError {
  error_type?: string;
  message?: string;
  status?: string;
}

/** True when Kite rejected the access token (expired, invalidated or never valid). */
export function isTokenException(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as KiteApiError).error_type === 'TokenException';
}

export function kiteErrorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && typeof (err as KiteApiError).message === 'string') {
    return (err as KiteApiError).message!;
  }
  return err instanceof Error ? err.message : 'unknown Kite error';
}
