import { JwtService } from '@nestjs/jwt';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { Role } from '../../src/auth/auth.constants.js';
import type { Scope } from '../../src/auth/token-scopes.js';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/contracts/socket-protocol.contract.js';
import { MARKET_NAMESPACE } from '../../src/contracts/socket-protocol.contract.js';
import { KiteSimulator, type SimulatorOptions } from '../../src/simulator/simulator.js';
import { freePort } from './free-port.js';
import { RedisServer } from './redis-server.js';
import { TcpProxy } from './tcp-proxy.js';
import { waitFor } from './wait.js';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.js');
export const CLUSTER_JWT_SECRET = 'cluster-test-secret-0123456789abcdef0123456789';
/** The nodes' SESSION_ENCRYPTION_KEY, from which their cluster key is derived (no CLUSTER_SECRET). */
export const CLUSTER_SESSION_KEY = 'cluster-session-key-9876543210fedcba9876543210';

export type MarketClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One gateway node: the built app in its own process, reaching Redis through a proxy the test can cut. */
export class ClusterNode {
  proc?: ChildProcess;
  readonly logs: string[] = [];
  readonly url: string;
  private exit?: Promise<number | null>;

  constructor(
    readonly id: string,
    readonly port: number,
    readonly proxy: TcpProxy,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get alive(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(): Promise<void> {
    const proc = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.exit = new Promise((r) => proc.once('exit', (code) => r(code)));
    const collect = (d: Buffer) => this.logs.push(...d.toString().split('\n').filter(Boolean));
    proc.stdout.on('data', collect);
    proc.stderr.on('data', collect);
    await waitFor(
      async () => (await fetch(`${this.url}/health/ready`)).status === 200,
      `${this.id} ready`,
      20_000,
      50,
    );
  }

  /** Sends a real signal; resolves with the exit code once the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    this.proc?.kill(signal);
    return this.exit ?? null;
  }

  async health(): Promise<any> {
    return (await fetch(`${this.url}/health`)).json();
  }

  /** The `cluster` part of /health. */
  async cluster(): Promise<{ node_id: string; role: string; holder: string | null; fencing: number | null }> {
    const h = await this.health();
    return (h.info ?? h.details).cluster;
  }

  async http(path: string, init: RequestInit & { token?: string } = {}) {
    const headers = new Headers(init.headers);
    if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
    if (init.body) headers.set('Content-Type', 'application/json');
    const res = await fetch(this.url + path, { ...init, headers, redirect: 'manual' });
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text };
  }
}

/**
 * n gateway nodes (the built app, each its own process, on free ports) against one simulator and a
 * redis-server the cluster starts itself: the shape of socket.io-redis-adapter's test setup, so that
 * one suite can run on one node and on three.
 */
export class TestCluster {
  readonly nodes: ClusterNode[] = [];
  private readonly jwt = new JwtService(jwtOptions(CLUSTER_JWT_SECRET));
  private readonly sockets: MarketClient[] = [];

  private constructor(
    readonly redis: RedisServer,
    readonly sim: KiteSimulator,
  ) {}

  static async start(
    n: number,
    o: { env?: Record<string, string>; sim?: SimulatorOptions; redis?: boolean } = {},
  ): Promise<TestCluster> {
    const redis = await RedisServer.start();
    const sim = await new KiteSimulator({ ticksPerSecond: 200, ...o.sim }).start();
    const c = new TestCluster(redis, sim);
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      const proxy = await TcpProxy.start({ host: '127.0.0.1', port: redis.port });
      const url = `http://127.0.0.1:${port}`;
      const env: Record<string, string> = {
        NODE_ENV: 'test',
        NODE_ID: `node-${i}`,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
        FEED_SOURCE: 'kite',
        KITE_API_KEY: sim.apiKey,
        KITE_API_SECRET: sim.apiSecret,
        KITE_API_ROOT: sim.urls.apiRoot,
        KITE_WS_ROOT: sim.urls.wsRoot,
        KITE_LOGIN_URL: sim.urls.loginUrl,
        JWT_SECRET: CLUSTER_JWT_SECRET,
        SESSION_ENCRYPTION_KEY: CLUSTER_SESSION_KEY,
        HEARTBEAT_INTERVAL_MS: '1000',
        LOG_LEVEL: 'info',
        DATA_DIR: mkdtempSync(join(tmpdir(), `kr-node-${i}-`)),
        ...(o.redis === false ? {} : { REDIS_URL: `redis://127.0.0.1:${proxy.port}` }),
        ...o.env,
      };
      c.nodes.push(new ClusterNode(`node-${i}`, port, proxy, env));
    }
    // One after another: the first node takes the lease, so tests know the holder. A node that does
    // not get ready takes the others down with it: a node left running keeps the test file alive.
    try {
      for (const node of c.nodes) await node.start();
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  token(
    role: Role = 'viewer',
    sub = `test-${role}`,
    ttlSeconds = 3600,
    scopes: readonly Scope[] = [],
  ): string {
    return signClientToken(this.jwt, sub, role, ttlSeconds, undefined, { scopes });
  }

  /** The node holding the upstream lease now, as the nodes themselves report it. */
  async holder(): Promise<ClusterNode | undefined> {
    for (const node of this.nodes.filter((n) => n.alive)) {
      const c = await node.cluster().catch(() => undefined);
      if (c?.role === 'holder' || c?.role === 'standalone') return node;
    }
    return undefined;
  }

  /** Follows the browser login flow through `node` (Kite redirects back to that node). */
  async login(node = this.nodes[0]): Promise<void> {
    this.sim.redirectUrl = `${node.url}/api/auth/kite/callback`;
    const start = await fetch(`${node.url}/api/auth/kite/login`, { redirect: 'manual' });
    const stateCookie = start.headers
      .getSetCookie()
      .find((c) => /kr_login_state=/.test(c))!
      .split(';')[0];
    const kite = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const back = await fetch(kite.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: stateCookie },
    });
    if (back.status !== 200) throw new Error(`login through ${node.id} failed: ${back.status}`);
  }

  /** A socket.io client of `node`; by default a user of its own (per-user limits stay out of the way). */
  client(node: ClusterNode, token = this.token('viewer', `client-${this.sockets.length}`)): MarketClient {
    const s: MarketClient = io(node.url + MARKET_NAMESPACE, {
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 200,
      reconnectionDelayMax: 1000,
      forceNew: true,
      auth: { token },
    });
    this.sockets.push(s);
    return s;
  }

  async simStats(): Promise<any> {
    return (await fetch(`${this.sim.urls.apiRoot}/__sim/stats`)).json();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.disconnect();
    await Promise.all(this.nodes.filter((n) => n.alive).map((n) => n.kill('SIGKILL')));
    for (const n of this.nodes) await n.proxy.close();
    await this.sim.stop();
    await this.redis.close();
  }
}
