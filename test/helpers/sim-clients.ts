import { createRequire } from 'node:module';
import { decodeFrame, type DecodedFrame } from '../../src/kite/decode-frame.js';
import type { KiteRest } from '../../src/kite/kite-rest.js';
import type { ServerTextMessage } from '../../src/kite/messages.js';
import { KiteConnection } from '../../src/market-feed/kite-connection.js';

const require = createRequire(import.meta.url);

/** The official `KiteConnect` REST client class, typed as kite-relay uses it plus the login helpers. */
export const { KiteConnect } = require('kiteconnect') as {
  KiteConnect: new (p: { api_key: string; root: string; access_token?: string }) => KiteRest & {
    getLoginURL(): string;
    setAccessToken(t: string): void;
  };
};

/** Our own ticker client on a simulator, recording what it sees. */
export class TickerProbe {
  frames: DecodedFrame[] = [];
  texts: (ServerTextMessage | undefined)[] = [];
  /** Every text frame exactly as received. */
  raws: string[] = [];
  opened = false;
  closed?: { code?: number; httpStatus?: number };
  readonly conn: KiteConnection;

  constructor(url: string) {
    this.conn = new KiteConnection(url, {
      onOpen: () => (this.opened = true),
      onFrame: (f) => this.frames.push(decodeFrame(f)),
      onText: (m, raw) => {
        this.texts.push(m);
        this.raws.push(raw);
      },
      onClose: (info) => (this.closed = info),
    });
    this.conn.open();
  }

  get ticks() {
    return this.frames.flatMap((f) => f.ticks);
  }

  get heartbeats() {
    return this.frames.filter((f) => f.heartbeat).length;
  }
}

/** One REST request as the simulator logged it (`GET /__sim/requests`). */
export interface SimRequest {
  path: string;
  query: string;
  at: number;
}

/** The simulator's log of REST requests to `route` (`/quote`, `/instruments/historical`), oldest first. */
export async function simRequests(apiRoot: string, route: string): Promise<SimRequest[]> {
  const get = () => fetch(`${apiRoot}/__sim/requests?path=${encodeURIComponent(route)}`);
  // One retry: a kept-alive connection the simulator has just closed resets once.
  const r = await get().catch(() => get());
  return ((await r.json()) as { requests: SimRequest[] }).requests;
}

/**
 * The most calls any window of `windowMs` holds, sliding over the arrival times `at`: the window is
 * half-open, so two calls exactly `windowMs` apart are never in one window. Also the window's calls.
 */
export function busiestWindow(at: readonly number[], windowMs: number): { calls: number; window: number[] } {
  const sorted = [...at].sort((a, b) => a - b);
  let best: number[] = [];
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j] - sorted[i] >= windowMs) i++;
    if (j - i + 1 > best.length) best = sorted.slice(i, j + 1);
  }
  return { calls: best.length, window: best };
}
