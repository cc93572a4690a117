/**
 * Runs the official `KiteTicker` from the `kiteconnect` package in its own process (it keeps
 * module-level state and calls process.exit on give-up, so it must not live in the test runner).
 * Env: KT_API_KEY, KT_ACCESS_TOKEN, KT_ROOT, KT_SUBSCRIBE (JSON {mode: tokens[]}),
 * KT_SUBSCRIBE_AFTER_HEARTBEATS (0: at connect).
 * Writes one JSON line per event to stdout.
 */
import { KiteTicker } from './kite-ticker.js';

const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
const subscribe = JSON.parse(process.env.KT_SUBSCRIBE ?? '{}') as Record<string, number[]>;
const ticker = new KiteTicker({
  api_key: process.env.KT_API_KEY!,
  access_token: process.env.KT_ACCESS_TOKEN!,
  root: process.env.KT_ROOT!,
});
ticker.autoReconnect(false, 0, 0);
// Subscribing only after N heartbeats proves the idle heartbeat first.
const subscribeAfter = Number(process.env.KT_SUBSCRIBE_AFTER_HEARTBEATS ?? 0);
let heartbeats = 0;
const subscribeAll = () => {
  for (const [mode, tokens] of Object.entries(subscribe)) {
    ticker.subscribe(tokens);
    ticker.setMode(mode, tokens);
  }
};
ticker.on('connect', () => {
  out({ event: 'connect' });
  if (subscribeAfter === 0) subscribeAll();
});
ticker.on('message', (data: ArrayBuffer) => {
  if (data.byteLength !== 1) return;
  out({ event: 'heartbeat' });
  if (++heartbeats === subscribeAfter) subscribeAll();
});
ticker.on(
  'ticks',
  (ticks: { instrument_token: number; mode: string; last_price: number; depth?: unknown }[]) =>
    out({
      event: 'ticks',
      ticks: ticks.map((t) => ({
        instrument_token: t.instrument_token,
        mode: t.mode,
        last_price: t.last_price,
        depth: t.depth !== undefined,
      })),
    }),
);
ticker.on('error', (e: { message?: string }) => out({ event: 'error', message: e?.message ?? 'error' }));
ticker.on('close', () => out({ event: 'close' }));
ticker.connect();
