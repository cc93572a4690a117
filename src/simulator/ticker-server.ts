import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeFrame, encodeHeartbeat } from '../kite/encode-frame.js';
import {
  MAX_CONNECTIONS_PER_KEY,
  MAX_INSTRUMENTS_PER_CONNECTION,
  type TickMode,
} from '../kite/kite.constants.js';
import { framePackets } from '../kite/frame-packets.js';
import { parseClientMessage } from '../kite/messages.js';
import type { Tick } from '../kite/tick.js';
import { ReplayPlayer } from './replay-player.js';
import type { SimState } from './sim-state.js';

interface Conn {
  ws: WebSocket;
  apiKey: string;
  modes: Map<number, TickMode>;
  lastSent: number;
}

const LOOP_MS = 50;

/**
 * Kite's ticker WebSocket: upgrade checks, subscribe/unsubscribe/mode, and the tick loop that
 * spends a tick budget per loop on subscribed instruments. Its timers run on the real clock;
 * prices and exchange timestamps come from the model at `state.now()`.
 */
export class TickerServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private union: { all: number; known: number[] } | undefined;
  private loop?: NodeJS.Timeout;
  private carry = 0;
  private lastLoop = Date.now();

  constructor(private readonly state: SimState) {}

  get openConnections(): number {
    return this.conns.size;
  }

  start(): void {
    this.lastLoop = Date.now();
    this.loop = setInterval(() => this.tickLoop(), LOOP_MS);
    this.loop.unref();
  }

  stop(): void {
    clearInterval(this.loop);
    this.dropAll();
    this.wss.close();
  }

  /** Closes every connection abruptly, without a close frame. */
  dropAll(): void {
    for (const c of this.conns) c.ws.terminate();
    this.conns.clear();
    this.union = undefined;
  }

  closeAll(code: number, reason: string): void {
    for (const c of this.conns) c.ws.close(code, reason);
  }

  /** Sends one text frame on every open connection of `apiKey`; returns how many got it. */
  sendText(apiKey: string, text: string): number {
    let n = 0;
    for (const c of this.conns) {
      if (c.apiKey !== apiKey) continue;
      c.ws.send(text);
      n++;
    }
    return n;
  }

  sendToAll(frames: (Buffer | string)[]): void {
    for (const c of this.conns) for (const frame of frames) c.ws.send(frame);
  }

  /** How many instruments the connections subscribe to together (known or not). */
  get subscribedCount(): number {
    return this.subscribedUnion().all;
  }

  /** The union of subscriptions, and its instruments the model knows; cached until a subscription changes. */
  private subscribedUnion(): { all: number; known: number[] } {
    if (!this.union) {
      const all = new Set<number>();
      for (const c of this.conns) for (const t of c.modes.keys()) all.add(t);
      this.union = { all: all.size, known: [...all].filter((t) => this.state.model.has(t)) };
    }
    return this.union;
  }

  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const stats = this.state.stats;
    stats.ws_upgrade_attempts++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const apiKey = url.searchParams.get('api_key') ?? '';
    const token = url.searchParams.get('access_token') ?? '';
    const refuse = (code: number, text: string) => {
      stats.ws_rejected[String(code)] = (stats.ws_rejected[String(code)] ?? 0) + 1;
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);
    };
    if (apiKey !== this.state.apiKey || !this.state.sessions.isValid(token)) return refuse(403, 'Forbidden');
    const open = [...this.conns].filter((c) => c.apiKey === apiKey).length;
    if (open >= MAX_CONNECTIONS_PER_KEY) return refuse(429, 'Too Many Requests');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, apiKey, modes: new Map(), lastSent: Date.now() };
      this.conns.add(conn);
      this.state.stats.ws_connections_total++;
      this.state.stats.ws_connections_peak = Math.max(this.state.stats.ws_connections_peak, this.conns.size);
      const forget = () => {
        if (this.conns.delete(conn)) this.union = undefined;
      };
      ws.on('message', (data, isBinary) => {
        if (!isBinary) this.control(conn, (data as Buffer).toString('utf8'));
      });
      ws.on('close', forget);
      ws.on('error', forget);
    });
  }

  private control(conn: Conn, text: string): void {
    const msg = parseClientMessage(text);
    if (!msg) return;
    this.union = undefined;
    if (msg.a === 'subscribe') {
      // A replay's clock starts at the first subscription, so nothing is missed while a gateway boots.
      if (msg.v.length > 0) this.state.replay?.start();
      for (const t of msg.v) {
        if (conn.modes.has(t)) continue;
        if (conn.modes.size >= MAX_INSTRUMENTS_PER_CONNECTION) {
          conn.ws.send(
            JSON.stringify({
              type: 'error',
              data: `Subscription limit of ${MAX_INSTRUMENTS_PER_CONNECTION} instruments per connection exceeded`,
            }),
          );
          break;
        }
        conn.modes.set(t, 'quote');
      }
    } else if (msg.a === 'unsubscribe') {
      for (const t of msg.v) conn.modes.delete(t);
    } else {
      const [mode, tokens] = msg.v;
      for (const t of tokens) if (conn.modes.has(t)) conn.modes.set(t, mode);
    }
  }

  private tickLoop(): void {
    const real = Date.now();
    const elapsed = real - this.lastLoop;
    this.lastLoop = real;
    if (real < this.state.silentUntil) return;
    // A replay's clock runs whether or not anyone is connected: what is due is played (the quote routes follow it).
    if (this.state.replay) return this.replayLoop(this.state.replay, real);
    if (this.conns.size === 0) return;
    const union = this.subscribedUnion().known;
    this.carry += (this.state.rate * elapsed) / 1000;
    const budget = Math.min(Math.floor(this.carry), union.length);
    this.carry -= Math.floor(this.carry);
    const moved = new Map<number, Tick>();
    // A random window of the union: at most one tick per instrument per loop, each equally likely.
    const first = Math.floor(Math.random() * union.length);
    const now = this.state.now();
    for (let i = 0; i < budget; i++) {
      const token = union[(first + i) % union.length];
      const t = this.state.model.step(token, now);
      if (t) moved.set(token, t);
    }
    const stamp = this.state.stampSendTime ? Date.now() % 2 ** 31 : undefined;
    for (const c of this.conns) this.send(c, moved, stamp, real);
  }

  /** Replay mode: the recorded frames now due, each cut to what every connection subscribed. */
  private replayLoop(replay: ReplayPlayer, real: number): void {
    for (const frame of replay.due()) {
      const slices = framePackets(frame);
      for (const c of this.conns) {
        const out = ReplayPlayer.slice(frame, slices, c.modes);
        if (!out) continue;
        c.ws.send(out);
        c.lastSent = real;
        this.state.stats.frames_sent++;
        this.state.stats.ticks_sent += framePackets(out).length;
      }
    }
    for (const c of this.conns) {
      if (real - c.lastSent < 1000) continue;
      c.ws.send(encodeHeartbeat());
      c.lastSent = real;
    }
  }

  private send(c: Conn, moved: Map<number, Tick>, stamp: number | undefined, real: number): void {
    const items: { tick: Tick; mode: TickMode }[] = [];
    for (const [token, tick] of moved) {
      const mode = c.modes.get(token);
      if (!mode) continue;
      items.push({ tick: stamp === undefined ? tick : { ...tick, sell_quantity: stamp }, mode });
    }
    if (items.length > 0) {
      c.ws.send(encodeFrame(items));
      c.lastSent = real;
      this.state.stats.frames_sent++;
      this.state.stats.ticks_sent += items.length;
    } else if (real - c.lastSent >= 1000) {
      c.ws.send(encodeHeartbeat());
      c.lastSent = real;
    }
  }
}
