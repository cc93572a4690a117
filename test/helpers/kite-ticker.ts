import { createRequire } from 'node:module';

/** The parts of the official `KiteTicker` (package `kiteconnect`) that the tests and the bench drive. */
export interface OfficialTicker {
  on(event: string, fn: (...args: any[]) => void): void;
  connect(): void;
  subscribe(tokens: number[]): void;
  setMode(mode: string, tokens: number[]): void;
  autoReconnect(enable: boolean, maxRetry: number, maxDelay: number): void;
  parseBinary(frame: ArrayBufferLike): unknown[];
}

const require = createRequire(import.meta.url);
export const { KiteTicker } = require('kiteconnect') as {
  KiteTicker: new (p: { api_key: string; access_token: string; root?: string }) => OfficialTicker;
};
