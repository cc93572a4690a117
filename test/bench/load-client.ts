/**
 * A load-generator process for the fan-out bench (forked; talks to the parent over IPC).
 * Opens `clients` Socket.IO clients, subscribes each to its instruments, and inside the
 * measurement window counts delivered ticks and their latency from the simulator's send stamp
 * (ms mod 2^31, carried in the sell quantity). Reports its own CPU so a reader can tell whether
 * it was the bottleneck.
 */
import { io, type Socket } from 'socket.io-client';
import type WebSocket from 'ws';
import { COMPACT_SELL_QUANTITY, type CompactTickRow } from '../../src/contracts/compact-tick.contract.js';
import { connectKite, subscribeKite } from './kite-load.js';

export interface LoadConfig {
  url: string;
  /**
   * relay: kite-relay's Socket.IO `/market`; relay-compact: the same with `auth.encoding: 'compact'`
   * (`ticks_compact` rows); kite: its `/kite/ws`; reference: the bare Socket.IO server.
   */
  kind: 'relay' | 'relay-compact' | 'reference' | 'kite';
  token?: string;
  clients: number;
  /** Instruments per client, already assigned. */
  subscriptions: number[][];
}

export interface LoadReport {
  clients: number;
  delivered: number;
  /** messages (Socket.IO events, WebSocket frames) that carried ticks: the server's writes */
  messages: number;
  window_ms: number;
  /** latency histogram, 1 ms buckets; the last bucket collects everything beyond */
  histogram: number[];
  cpu_ms: number;
}

export type ParentMessage =
  | { type: 'start'; config: LoadConfig }
  | { type: 'subscribe' }
  | { type: 'window' }
  | { type: 'report' }
  | { type: 'stop' };
export type ChildMessage =
  | { type: 'ready'; connected: number; failed: number }
  | { type: 'subscribed'; failed: number }
  | { type: 'report'; report: LoadReport };

const BUCKETS = 30_000;
const MOD = 2 ** 31;
let histogram = new Uint32Array(BUCKETS);
let delivered = 0;
let messages = 0;
let measuring = false;
let windowStart = 0;
let cpuStart = process.cpuUsage();
const sockets: Socket[] = [];
const kiteSockets: WebSocket[] = [];

/** One message with ticks arrived (counted inside the window). */
function message(): void {
  if (measuring) messages++;
}

function record(stamp: unknown): void {
  if (!measuring) return;
  delivered++;
  if (typeof stamp !== 'number') return;
  const lat = ((((Date.now() % MOD) - stamp) % MOD) + MOD) % MOD;
  histogram[Math.min(lat, BUCKETS - 1)]++;
}

/** Connects every client (no subscriptions yet), in batches; each settles within 30 s whatever happens. */
async function connectAll(c: LoadConfig): Promise<void> {
  let connected = 0;
  let failed = 0;
  const batch = 50;
  for (let i = 0; i < c.clients; i += batch) {
    if (c.kind === 'kite') {
      const opened = await Promise.all(
        Array.from({ length: Math.min(batch, c.clients - i) }, () => connectKite(c.url, c.token)),
      );
      for (const ws of opened) {
        if (ws) kiteSockets.push(ws);
        else failed++;
      }
      connected = kiteSockets.length;
      continue;
    }
    await Promise.all(
      Array.from(
        { length: Math.min(batch, c.clients - i) },
        () =>
          new Promise<void>((resolve) => {
            const s = io(c.kind === 'reference' ? c.url : `${c.url}/market`, {
              transports: ['websocket'],
              reconnection: false,
              forceNew: true,
              timeout: 20_000,
              auth: {
                ...(c.token ? { token: c.token } : {}),
                ...(c.kind === 'relay-compact' ? { encoding: 'compact' } : {}),
              },
            });
            const settle = (ok: boolean) => {
              clearTimeout(timer);
              s.off('connect_error').off('disconnect');
              if (ok) {
                connected++;
                sockets.push(s);
              } else {
                failed++;
                s.disconnect();
              }
              resolve();
            };
            const timer = setTimeout(() => settle(false), 30_000);
            s.once('connect', () => settle(true));
            s.once('connect_error', () => settle(false));
            s.once('disconnect', () => settle(false));
          }),
      ),
    );
  }
  process.send!({ type: 'ready', connected, failed } satisfies ChildMessage);
}

/** Subscribes every connected client to its instruments and starts counting what arrives. */
async function subscribeAll(c: LoadConfig): Promise<void> {
  let failed = 0;
  kiteSockets.forEach((ws, i) => subscribeKite(ws, c.subscriptions[i], record, message));
  await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          const subs = c.subscriptions[i];
          const done = (err: unknown) => {
            if (err) failed++;
            resolve();
          };
          if (c.kind === 'relay' || c.kind === 'relay-compact') {
            if (c.kind === 'relay') {
              s.on('ticks', (ticks: { sell_quantity?: number }[]) => {
                message();
                for (const t of ticks) record(t.sell_quantity);
              });
            } else {
              // A quote row holds the sell quantity at a fixed index; an index's row holds null there.
              s.on('ticks_compact', (rows: CompactTickRow[]) => {
                message();
                for (const r of rows) record((r as unknown[])[COMPACT_SELL_QUANTITY]);
              });
            }
            s.timeout(30_000).emit('subscribe', { instruments: subs, mode: 'quote' }, done);
          } else {
            s.on('tick', (t: { total_sell_quantity?: number }) => {
              message();
              record(t.total_sell_quantity);
            });
            s.timeout(30_000).emit('subscribe', subs, done);
          }
        }),
    ),
  );
  process.send!({ type: 'subscribed', failed } satisfies ChildMessage);
}

let config: LoadConfig | undefined;

process.on('message', (m: ParentMessage) => {
  switch (m.type) {
    case 'start':
      config = m.config;
      void connectAll(m.config);
      break;
    case 'subscribe':
      void subscribeAll(config!);
      break;
    case 'window':
      histogram = new Uint32Array(BUCKETS);
      delivered = 0;
      messages = 0;
      windowStart = Date.now();
      cpuStart = process.cpuUsage();
      measuring = true;
      break;
    case 'report': {
      measuring = false;
      const cpu = process.cpuUsage(cpuStart);
      process.send!({
        type: 'report',
        report: {
          clients:
            sockets.filter((s) => s.connected).length + kiteSockets.filter((w) => w.readyState === 1).length,
          delivered,
          messages,
          window_ms: Date.now() - windowStart,
          histogram: Array.from(histogram),
          cpu_ms: (cpu.user + cpu.system) / 1000,
        },
      } satisfies ChildMessage);
      break;
    }
    case 'stop':
      for (const s of sockets) s.disconnect();
      for (const w of kiteSockets) w.terminate();
      setTimeout(() => process.exit(0), 100);
      break;
  }
});
