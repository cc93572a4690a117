import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { io, type Socket } from 'socket.io-client';
import { startApp } from '../../src/app.factory.js';
import { SystemClock, type Clock } from '../../src/clock/clock.js';
import { loadConfig, type Env } from '../../src/config/load-config.js';
import { withKiteEndpoints, type AppConfig } from '../../src/config/app-config.js';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/contracts/socket-protocol.contract.js';
import { MARKET_NAMESPACE } from '../../src/contracts/socket-protocol.contract.js';
import type { FeedTuning } from '../../src/market-feed/market-feed.constants.js';
import { BUILTIN_CALENDAR_FILE, loadCalendar } from '../../src/market-status/calendar.js';
import { KiteSimulator, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { TokenService } from '../../src/auth/token.service.js';
import { freePort } from './free-port.js';
import type { Role } from '../../src/auth/auth.constants.js';

export const TEST_JWT_SECRET = 'test-secret-for-e2e-0123456789abcdef0123456789';
/** Fixed, so that a restart (or another node) opens the session an earlier app stored. */
export const TEST_SESSION_KEY = 'test-session-key-for-e2e-9876543210fedcba98765';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export interface TestAppOptions {
  env?: Env;
  clock?: Clock;
  sim?: KiteSimulator;
  simOptions?: SimulatorOptions;
  feedTuning?: Partial<FeedTuning>;
  /** Reuse a key prefix (a restart that must find the stored session). */
  cacheKeyPrefix?: string;
  redis?: boolean;
}

/**
 * nestjs-pino builds its pino-http instance once per process, with the first application's
 * destination; every later TestApp's lines arrive there. So there is one destination, and it hands
 * each line to the logs of every TestApp alive at the time.
 */
const logSinks = new Set<string[]>();
const logDestination = new Writable({
  write(chunk: Buffer, _enc, cb) {
    const lines = chunk.toString('utf8').split('\n').filter(Boolean);
    for (const sink of logSinks) sink.push(...lines);
    cb();
  },
});

/** The real application on port 0, against a simulator and (by default) the real Redis. */
export class TestApp {
  readonly logs: string[] = [];
  app!: NestExpressApplication;
  url = '';
  config!: AppConfig;
  sim!: KiteSimulator;
  ownsSim = false;
  cacheKeyPrefix!: string;
  private readonly sockets: Socket[] = [];

  static async start(o: TestAppOptions = {}): Promise<TestApp> {
    const t = new TestApp();
    await t.boot(o);
    return t;
  }

  private async boot(o: TestAppOptions): Promise<void> {
    // The port is chosen first, so that the configuration is complete (and frozen) before boot.
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const callback = `${this.url}/api/auth/kite/callback`;
    this.ownsSim = !o.sim;
    // The simulator follows the app's clock (a fake one, or CLOCK_START's shifted one).
    const start = o.env?.CLOCK_START;
    const clock = o.clock ?? (start ? new SystemClock(Date.parse(start)) : undefined);
    this.sim =
      o.sim ??
      (await new KiteSimulator({
        ticksPerSecond: 400,
        redirectUrl: callback,
        now: clock && (() => clock.now()),
        ...o.simOptions,
      }).start());
    this.sim.redirectUrl = callback;
    const loaded = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: TEST_JWT_SECRET,
      SESSION_ENCRYPTION_KEY: TEST_SESSION_KEY,
      FEED_SOURCE: 'simulator',
      LOG_LEVEL: 'debug',
      REDIS_URL: o.redis === false ? undefined : REDIS_URL,
      HEARTBEAT_INTERVAL_MS: '1000',
      // The tests speak from 127.0.0.1 and name their client with X-Forwarded-For, as a local proxy would.
      TRUST_PROXY: 'loopback',
      PORT: String(port),
      PUBLIC_URL: this.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'kr-data-')),
      ...o.env,
    });
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const config = withKiteEndpoints(loaded.config, this.sim.urls);
    this.cacheKeyPrefix = o.cacheKeyPrefix ?? `kr-test:${randomBytes(4).toString('hex')}:`;
    logSinks.add(this.logs);
    this.app = await startApp(
      {
        config,
        calendar: loadCalendar(config.marketCalendarFile ?? BUILTIN_CALENDAR_FILE),
        clock,
        logDestination: logDestination,
        feedTuning: o.feedTuning,
        keyPrefix: this.cacheKeyPrefix,
      },
      { port, host: '127.0.0.1' },
    );
    this.config = config;
  }

  token(role: Role = 'viewer', ttl?: string): string {
    return this.app.get(TokenService).mint(`test-${role}`, role, ttl).token;
  }

  get<T>(type: new (...args: never[]) => T): T {
    return this.app.get(type);
  }

  async http(
    path: string,
    init: RequestInit & { token?: string } = {},
  ): Promise<{ status: number; body: any; text: string; headers: Headers }> {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
    if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    const res = await fetch(this.url + path, { ...init, headers, redirect: 'manual' });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, headers: res.headers };
  }

  /** POSTs `body` as JSON, with a bearer token when given. */
  post(path: string, body: unknown, token?: string): ReturnType<TestApp['http']> {
    return this.http(path, { method: 'POST', token, body: JSON.stringify(body) });
  }

  /** Follows the browser login flow through the simulator; returns the dashboard session cookie. */
  async login(): Promise<string> {
    const start = await fetch(`${this.url}/api/auth/kite/login`, { redirect: 'manual' });
    const stateCookie = start.headers
      .getSetCookie()
      .find((c) => c.startsWith('kr_login_state='))!
      .split(';')[0];
    const kite = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const back = await fetch(kite.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: stateCookie },
    });
    if (back.status !== 200) throw new Error(`login failed: ${back.status} ${await back.text()}`);
    return back.headers
      .getSetCookie()
      .find((c) => c.startsWith('kr_session='))!
      .split(';')[0];
  }

  async simStats(): Promise<any> {
    return (await fetch(`${this.sim.urls.apiRoot}/__sim/stats`)).json();
  }

  async simControl(name: string, body?: unknown): Promise<void> {
    const r = await fetch(`${this.sim.urls.apiRoot}/__sim/${name}`, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`sim ${name}: ${r.status}`);
  }

  client(
    opts: { token?: string; cookie?: string; origin?: string; connect?: boolean; encoding?: string } = {},
  ): Socket<ServerToClientEvents, ClientToServerEvents> {
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.url + MARKET_NAMESPACE, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: {
        ...(opts.token ? { token: opts.token } : {}),
        ...(opts.encoding !== undefined ? { encoding: opts.encoding } : {}),
      },
      extraHeaders: {
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...(opts.origin ? { origin: opts.origin } : {}),
      },
      autoConnect: opts.connect !== false,
    });
    this.sockets.push(s);
    return s;
  }

  async connected(s: Socket): Promise<void> {
    if (s.connected) return;
    await new Promise<void>((resolve, reject) => {
      s.once('connect', () => resolve());
      s.once('connect_error', (e) => reject(e));
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.disconnect();
    await this.app.close();
    logSinks.delete(this.logs);
    if (this.ownsSim) await this.sim.stop();
  }

  /** Every log line produced, for secret checks. */
  get logText(): string {
    return this.logs.join('\n');
  }
}
