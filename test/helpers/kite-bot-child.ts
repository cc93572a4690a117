/**
 * A trading bot as its author wrote it: the official `KiteTicker` (package `kiteconnect`), pointed
 * at the relay by its `root`, in a process of its own (kiteconnect 5.3 keeps ticker state in
 * module globals). Env: KB_ROOT, KB_ACCESS_TOKEN, KB_SUBSCRIBE (JSON {mode: tokens[]}) at connect,
 * KB_THEN (JSON {mode: tokens[]}) mode changes after KB_THEN_AFTER ticks (default 20).
 * Writes one JSON line per event to stdout, ticks as the official parser decoded them.
 */
import { KiteTicker } from './kite-ticker.js';

const out = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
const subscribe = JSON.parse(process.env.KB_SUBSCRIBE ?? '{}') as Record<string, number[]>;
const then = JSON.parse(process.env.KB_THEN ?? '{}') as Record<string, number[]>;
const thenAfter = Number(process.env.KB_THEN_AFTER ?? 20);
const ticker = new KiteTicker({
  api_key: 'any_key_the_relay_ignores',
  access_token: process.env.KB_ACCESS_TOKEN!,
  root: process.env.KB_ROOT!,
});
ticker.autoReconnect(false, 0, 0);
let ticks = 0;
ticker.on('connect', () => {
  out({ event: 'connect' });
  for (const [mode, tokens] of Object.entries(subscribe)) {
    ticker.subscribe(tokens);
    ticker.setMode(mode, tokens);
  }
});
ticker.on('ticks', (list: Record<string, any>[]) => {
  const before = ticks;
  ticks += list.length;
  out({
    event: 'ticks',
    ticks: list.map((t) =>
      'last_trade_time' in t ? { ...t, last_trade_time: seconds(t.last_trade_time) } : t,
    ),
  });
  if (before < thenAfter && ticks >= thenAfter) {
    for (const [mode, tokens] of Object.entries(then)) ticker.setMode(mode, tokens);
    out({ event: 'mode_changed' });
  }
});
ticker.on('error', (e: { message?: string }) => out({ event: 'error', message: e?.message ?? 'error' }));
ticker.on('close', () => out({ event: 'close' }));
ticker.connect();

function seconds(d: unknown): number | null {
  return d instanceof Date ? Math.round(d.getTime() / 1000) : null;
}
