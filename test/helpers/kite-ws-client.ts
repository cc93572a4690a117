import WebSocket from 'ws';
import { splitFrame } from '../../src/kite-compat/packet-slices.js';
import { waitFor } from './wait.js';

/** A raw `ws` client of the relay's `/kite/ws`, recording every frame with its arrival time. */
export class KiteWsProbe {
  readonly frames: { data: Buffer; at: number }[] = [];
  readonly texts: any[] = [];
  /** The text frames as sent, before parsing (order updates must be Kite's verbatim). */
  readonly rawTexts: string[] = [];
  readonly ws: WebSocket;
  status?: number;
  closed?: { code: number; at: number };
  readonly opened: Promise<number>;

  /** `headers`: what a client sends with its upgrade (pykiteconnect sends `X-Kite-Version: 3`). */
  constructor(url: string, headers?: Record<string, string>) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.frames.push({ data, at: Date.now() });
      else {
        this.rawTexts.push(data.toString('utf8'));
        this.texts.push(JSON.parse(data.toString('utf8')));
      }
    });
    this.ws.on('close', (code) => (this.closed = { code, at: Date.now() }));
    this.opened = new Promise((resolve) => {
      this.ws.once('open', () => resolve((this.status = 101)));
      this.ws.once('unexpected-response', (_req, res) => {
        resolve((this.status = res.statusCode ?? 0));
        res.resume();
      });
      this.ws.once('error', () => resolve((this.status ??= 0)));
    });
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /**
   * Resolves once every frame the server sent before now has arrived: a malformed message is
   * answered with an error frame, after everything sent to this connection before it.
   */
  async settled(): Promise<void> {
    const errors = () => this.texts.filter((x) => x?.type === 'error').length;
    const before = errors();
    this.ws.send('not json');
    await waitFor(() => errors() > before, 'the error frame that settles the connection');
  }

  /** Data frames (not heartbeats), each as its packets: [token, length][]. */
  dataFrames(): { count: number; packets: [number, number][]; at: number }[] {
    return this.frames
      .filter((f) => f.data.length > 1)
      .map((f) => {
        const p = splitFrame(f.data);
        return {
          count: f.data.readUInt16BE(0),
          packets: p.tokens.map((t, i) => [t, p.lengths[i]]),
          at: f.at,
        };
      });
  }

  /** Lengths of the packets of `token` seen so far. */
  lengthsOf(token: number): Set<number> {
    return new Set(
      this.dataFrames().flatMap((f) => f.packets.filter(([t]) => t === token).map(([, l]) => l)),
    );
  }

  heartbeats(): number {
    return this.frames.filter((f) => f.data.length === 1).length;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** The relay's Kite-protocol URL, as the official clients build it from `root`. */
export const kiteWsUrl = (base: string, accessToken?: string, path = '/kite/ws'): string =>
  `${base.replace(/^http/, 'ws')}${path}?api_key=kite_relay${accessToken === undefined ? '' : `&access_token=${accessToken}`}`;
