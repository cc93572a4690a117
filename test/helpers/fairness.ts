import http from 'node:http';
import { io, type Socket } from 'socket.io-client';
import { TokenService } from '../../src/auth/token.service.js';
import type { Role } from '../../src/auth/auth.constants.js';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/contracts/socket-protocol.contract.js';
import { MARKET_NAMESPACE } from '../../src/contracts/socket-protocol.contract.js';
import type { TestApp } from './test-app.js';

export type MarketClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A token for a user of its own (TestApp.token() gives every viewer the same `sub`). */
export function userToken(t: TestApp, sub: string, role: Role = 'viewer'): string {
  return t.get(TokenService).mint(sub, role).token;
}

/** A /market client from a loopback address of its choice (127.0.0.0/8 all reaches the app). */
export function marketClient(t: TestApp, token: string, localAddress = '127.0.0.1'): MarketClient {
  return io(t.url + MARKET_NAMESPACE, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token },
    localAddress,
  } as Parameters<typeof io>[1]);
}

/** 'connected', or the connect_error message. */
export function outcome(s: MarketClient): Promise<string> {
  return new Promise((resolve) => {
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (e) => resolve(e.message));
  });
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
  ms: number;
}

/** GET from a loopback address of its choice, on a connection of its own. */
export function getFrom(
  t: TestApp,
  path: string,
  o: { token?: string; from?: string } = {},
): Promise<Answer> {
  const url = new URL(t.url);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: url.hostname,
        port: url.port,
        path,
        localAddress: o.from ?? '127.0.0.1',
        agent: false,
        headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - start });
        });
      },
    );
    req.on('error', reject);
  });
}

/** The value of one series of a metric (labels as written, e.g. `reason="user_limit"`), 0 when absent. */
export async function metricValue(t: TestApp, name: string, labels = ''): Promise<number> {
  const text = (await t.http('/metrics')).text;
  const series = labels ? `${name}{${labels}}` : name;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
