import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  MAX_CONNECTIONS_PER_KEY,
  MAX_INSTRUMENTS_PER_CONNECTION,
  type TickMode,
} from '../kite/kite.constants.js';
import { encodeFrame, encodeHeartbeat } from '../kite/encode-frame.js';
import { parseClientMessage } from '../kite/messages.js';
import type { Tick } from '../kite/tick.js';
import { MarketModel } from './market-model.js';
import { buildUniverse, instrumentsCsv, type Instrument } from './universe.js';

export interface SimulatorOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  apiSecret?: string;
  redirectUrl?: string;
  ticksPerSecond?: number;
  userId?: string;
  userName?: string;
  /** Bench only: writes the send time (ms mod 2^31) into `sell_quantity`, a latency side channel. */
  stampSendTime?: boolean;
}

interface Conn {
  ws: WebSocket;
  apiKey: string;
  modes: Map<number, TickMode>;
  lastSent: number;
}

const LOOP_MS = 50;

/** A stand-in for Kite: REST API, login redirect and ticker WebSocket, with control endpoints for tests. */
export class KiteSimulator {
  readonly apiKey: string;
  readonly apiSecret: string;
  redirectUrl: string;
  private readonly defaultRate: number;
  private rate: number;
  private readonly userId: string;
  private readonly userName: string;
  private readonly universe: Instrument[] = buildUniverse();
  private readonly bySymbol = new Map(this.universe.map((i) => [`${i.exchange}:${i.tradingsymbol}`, i]));
  private model = new MarketModel(this.universe);
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private requestTokens = new Map<string, number>();
  private accessTokens = new Set<string>();
  private silentUntil = 0;
  private loop?: NodeJS.Timeout;
  private carry = 0;
  private lastLoop = Date.now();
  private stats = this.freshStats();
  port = 0;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.apiKey = options.apiKey ?? 'kite_relay_sim';
    this.apiSecret = options.apiSecret ?? 'kite_relay_sim_secret';
    this.redirectUrl = options.redirectUrl ?? 'http://localhost:3000/api/auth/kite/callback';
    this.defaultRate = options.ticksPerSecond ?? 200;
    this.rate = this.defaultRate;
    this.userId = options.userId ?? 'SIM001';
    this.userName = options.userName ?? 'Simulated Trader';
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() =>
        this.json(res, 500, { status: 'error', error_type: 'GeneralException', message: 'internal error' }),
      );
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  private freshStats() {
    return {
      ws_connections_peak: 0,
      ws_connections_total: 0,
      ws_upgrade_attempts: 0,
      ws_rejected: { '403': 0, '429': 0 } as Record<string, number>,
      frames_sent: 0,
      ticks_sent: 0,
      rest_calls: {} as Record<string, number>,
    };
  }

  get urls() {
    const base = `http://127.0.0.1:${this.port}`;
    return { apiRoot: base, wsRoot: `ws://127.0.0.1:${this.port}/ws`, loginUrl: `${base}/connect/login` };
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.lastLoop = Date.now();
    this.loop = setInterval(() => this.tickLoop(), LOOP_MS);
    this.loop.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.loop);
    for (const c of this.conns) c.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Issues an access token directly (tests that need a session without the login flow). */
  issueAccessToken(): string {
    const token = randomBytes(16).toString('hex');
    this.accessTokens.add(token);
    return token;
  }

  expireAll(): void {
    this.accessTokens.clear();
    this.requestTokens.clear();
    for (const c of this.conns) c.ws.close(1000, 'token expired');
  }

  // ---- ticker ------------------------------------------------------------------------------

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.stats.ws_upgrade_attempts++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const apiKey = url.searchParams.get('api_key') ?? '';
    const token = url.searchParams.get('access_token') ?? '';
    const refuse = (code: number, text: string) => {
      this.stats.ws_rejected[String(code)] = (this.stats.ws_rejected[String(code)] ?? 0) + 1;
      socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);
    };
    if (apiKey !== this.apiKey || !this.accessTokens.has(token)) return refuse(403, 'Forbidden');
    const open = [...this.conns].filter((c) => c.apiKey === apiKey).length;
    if (open >= MAX_CONNECTIONS_PER_KEY) return refuse(429, 'Too Many Requests');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, apiKey, modes: new Map(), lastSent: Date.now() };
      this.conns.add(conn);
      this.stats.ws_connections_total++;
      this.stats.ws_connections_peak = Math.max(this.stats.ws_connections_peak, this.conns.size);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) this.control(conn, (data as Buffer).toString('utf8'));
      });
      ws.on('close', () => this.conns.delete(conn));
      ws.on('error', () => this.conns.delete(conn));
    });
  }

  private control(conn: Conn, text: string): void {
    const msg = parseClientMessage(text);
    if (!msg) return;
    if (msg.a === 'subscribe') {
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

  private subscribedUnion(): number[] {
    const all = new Set<number>();
    for (const c of this.conns) for (const t of c.modes.keys()) all.add(t);
    return [...all];
  }

  private tickLoop(): void {
    const now = Date.now();
    const elapsed = now - this.lastLoop;
    this.lastLoop = now;
    if (now < this.silentUntil || this.conns.size === 0) return;
    const union = this.subscribedUnion().filter((t) => this.model.has(t));
    this.carry += (this.rate * elapsed) / 1000;
    let budget = Math.floor(this.carry);
    this.carry -= budget;
    const moved = new Map<number, Tick>();
    if (union.length > 0) {
      // Round-robin-ish random pick: at most one tick per instrument per loop.
      budget = Math.min(budget, union.length);
      let start = Math.floor(Math.random() * union.length);
      for (let i = 0; i < budget; i++) {
        const token = union[(start + i) % union.length];
        const t = this.model.step(token, now);
        if (t) moved.set(token, t);
      }
      start += budget;
    }
    const stamp = this.options.stampSendTime ? Date.now() % 2 ** 31 : undefined;
    for (const c of this.conns) {
      const items: { tick: Tick; mode: TickMode }[] = [];
      for (const [token, tick] of moved) {
        const mode = c.modes.get(token);
        if (!mode) continue;
        items.push({ tick: stamp === undefined ? tick : { ...tick, sell_quantity: stamp }, mode });
      }
      if (items.length > 0) {
        c.ws.send(encodeFrame(items));
        c.lastSent = now;
        this.stats.frames_sent++;
        this.stats.ticks_sent += items.length;
      } else if (now - c.lastSent >= 1000) {
        c.ws.send(encodeHeartbeat());
        c.lastSent = now;
      }
    }
  }

  // ---- REST ----------------------------------------------------------------------------------

  private count(path: string): void {
    this.stats.rest_calls[path] = (this.stats.rest_calls[path] ?? 0) + 1;
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, code: number, errorType: string, message: string): void {
    this.json(res, code, { status: 'error', message, data: null, error_type: errorType });
  }

  private authorized(req: IncomingMessage): boolean {
    const m = /^token ([^:]+):(.+)$/.exec(req.headers.authorization ?? '');
    return !!m && m[1] === this.apiKey && this.accessTokens.has(m[2]);
  }

  private async body(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 1 << 20) break;
      chunks.push(c as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path.startsWith('/__sim/')) return this.controlEndpoint(method, path, req, res);
    this.count(path);
    if (path === '/connect/login' && method === 'GET') return this.login(url, res);
    if (path === '/session/token' && method === 'POST')
      return this.session(new URLSearchParams(await this.body(req)), res);
    if (path === '/session/token' && method === 'DELETE') {
      this.accessTokens.delete(url.searchParams.get('access_token') ?? '');
      return this.json(res, 200, { status: 'success', data: true });
    }
    if (!this.authorized(req))
      return this.fail(res, 403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
    if (path === '/user/profile') return this.json(res, 200, { status: 'success', data: this.profile() });
    if (path === '/instruments' || path.startsWith('/instruments/')) {
      const exchange = path.split('/')[2];
      const rows = exchange
        ? this.universe.filter((i) => i.exchange === exchange.toUpperCase())
        : this.universe;
      res.writeHead(200, { 'Content-Type': 'text/csv' });
      return void res.end(instrumentsCsv(rows));
    }
    if (path === '/quote' || path === '/quote/ltp' || path === '/quote/ohlc') {
      return this.quote(url.searchParams.getAll('i'), path, res);
    }
    this.fail(res, 404, 'GeneralException', 'Route not found');
  }

  private login(url: URL, res: ServerResponse): void {
    if (url.searchParams.get('api_key') !== this.apiKey) {
      res.writeHead(400, { 'Content-Type': 'text/html' });
      return void res.end('<h1>Invalid api_key</h1>');
    }
    const requestToken = randomBytes(12).toString('hex');
    this.requestTokens.set(requestToken, Date.now() + 5 * 60_000);
    const target = new URL(this.redirectUrl);
    target.searchParams.set('request_token', requestToken);
    target.searchParams.set('action', 'login');
    target.searchParams.set('type', 'login');
    target.searchParams.set('status', 'success');
    const extra = new URLSearchParams(url.searchParams.get('redirect_params') ?? '');
    for (const [k, v] of extra) target.searchParams.set(k, v);
    res.writeHead(302, { Location: target.toString() });
    res.end();
  }

  private profile() {
    return {
      user_id: this.userId,
      user_type: 'individual',
      email: 'sim@example.invalid',
      user_name: this.userName,
      user_shortname: this.userName.split(' ')[0],
      broker: 'ZERODHA',
      exchanges: ['NSE', 'BSE', 'CDS', 'BCD'],
      products: ['CNC', 'NRML', 'MIS'],
      order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
      avatar_url: null,
      meta: { demat_consent: 'physical' },
    };
  }

  private session(form: URLSearchParams, res: ServerResponse): void {
    const apiKey = form.get('api_key') ?? '';
    const requestToken = form.get('request_token') ?? '';
    const checksum = form.get('checksum') ?? '';
    const expected = createHash('sha256')
      .update(apiKey + requestToken + this.apiSecret)
      .digest('hex');
    const expiry = this.requestTokens.get(requestToken);
    if (apiKey !== this.apiKey || checksum !== expected)
      return this.fail(res, 403, 'TokenException', 'Invalid checksum');
    if (!expiry || expiry < Date.now())
      return this.fail(res, 403, 'TokenException', 'Token is invalid or has expired.');
    this.requestTokens.delete(requestToken);
    const accessToken = this.issueAccessToken();
    const ist = new Date(Date.now() + 19_800_000).toISOString();
    this.json(res, 200, {
      status: 'success',
      data: {
        ...this.profile(),
        api_key: apiKey,
        access_token: accessToken,
        public_token: randomBytes(8).toString('hex'),
        enctoken: '',
        refresh_token: '',
        silo: '',
        login_time: `${ist.slice(0, 10)} ${ist.slice(11, 19)}`,
      },
    });
  }

  private quote(keys: string[], path: string, res: ServerResponse): void {
    if (keys.length > 500) return this.fail(res, 400, 'InputException', 'Too many instruments (at most 500)');
    const data: Record<string, unknown> = {};
    const now = Date.now();
    for (const key of keys) {
      const inst = /^\d+$/.test(key) ? this.model.instrument(Number(key)) : this.bySymbol.get(key);
      const t = inst && this.model.quoteAt(inst.instrument_token, now);
      if (!t) continue;
      if (path === '/quote/ltp')
        data[key] = { instrument_token: t.instrument_token, last_price: t.last_price };
      else if (path === '/quote/ohlc')
        data[key] = { instrument_token: t.instrument_token, last_price: t.last_price, ohlc: t.ohlc };
      else {
        const { mode: _m, tradable: _t, change: _c, change_percent: _p, ...rest } = t;
        data[key] = { ...rest, net_change: 0 };
      }
    }
    this.json(res, 200, { status: 'success', data });
  }

  // ---- control -------------------------------------------------------------------------------

  private async controlEndpoint(
    method: string,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const body = method === 'POST' ? await this.body(req) : '';
    let args: Record<string, unknown> = {};
    try {
      args = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    } catch {
      return this.json(res, 400, { error: 'body must be JSON' });
    }
    switch (`${method} ${path}`) {
      case 'GET /__sim/stats':
        return this.json(res, 200, {
          ws_connections_open: this.conns.size,
          ...this.stats,
          subscribed_instruments: this.subscribedUnion().length,
          ticks_per_second: this.rate,
        });
      case 'POST /__sim/drop':
        for (const c of this.conns) c.ws.terminate();
        return this.json(res, 200, { ok: true });
      case 'POST /__sim/expire':
        this.expireAll();
        return this.json(res, 200, { ok: true });
      case 'POST /__sim/silence': {
        const ms = Number(args.ms ?? 0);
        if (!Number.isFinite(ms) || ms < 0)
          return this.json(res, 400, { error: 'ms must be a non-negative number' });
        this.silentUntil = Date.now() + ms;
        return this.json(res, 200, { ok: true, until: this.silentUntil });
      }
      case 'POST /__sim/garbage':
        for (const c of this.conns) for (const frame of garbageFrames()) c.ws.send(frame);
        return this.json(res, 200, { ok: true, frames: garbageFrames().length });
      case 'POST /__sim/rate': {
        const rate = Number(args.ticks_per_second);
        if (!Number.isFinite(rate) || rate < 0 || rate > 1_000_000)
          return this.json(res, 400, { error: 'ticks_per_second must be 0..1000000' });
        this.rate = rate;
        return this.json(res, 200, { ok: true, ticks_per_second: rate });
      }
      case 'POST /__sim/reset':
        for (const c of this.conns) c.ws.terminate();
        this.conns.clear();
        this.accessTokens.clear();
        this.requestTokens.clear();
        this.silentUntil = 0;
        this.rate = this.defaultRate;
        this.model = new MarketModel(this.universe);
        this.stats = this.freshStats();
        return this.json(res, 200, { ok: true });
      default:
        return this.json(res, 404, { error: 'unknown control endpoint' });
    }
  }
}

/** Malformed frames of every kind the decoder must survive. */
function garbageFrames(): (Buffer | string)[] {
  const overrun = Buffer.from([0, 9, 0, 44, 1, 2, 3]);
  const unknownSize = Buffer.from([0, 1, 0, 5, 1, 2, 3, 4, 5]);
  const empty = Buffer.alloc(0);
  const random = Buffer.from(Array.from({ length: 97 }, (_, i) => (i * 31 + 7) & 0xff));
  return [overrun, unknownSize, empty, random, '{not json', JSON.stringify({ type: 'nonsense' })];
}
