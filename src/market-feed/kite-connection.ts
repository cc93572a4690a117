import WebSocket from 'ws';
import { parseServerText, type ServerTextMessage } from '../kite/messages.js';

export interface KiteConnectionHandlers {
  onOpen(): void;
  /** A binary frame exactly as Kite sent it (decoded once, by the feed). */
  onFrame(frame: Buffer): void;
  /** A text frame: parsed (undefined when malformed) and as received. */
  onText(msg: ServerTextMessage | undefined, raw: string): void;
  /** The connection ended; `httpStatus` is set when the upgrade itself was refused (403, 429, …). */
  onClose(info: { code?: number; reason?: string; httpStatus?: number }): void;
}

/** One Kite ticker WebSocket: I/O only; every decision lives in UpstreamConnection and MarketFeedService. */
export class KiteConnection {
  private ws?: WebSocket;
  private ended = false;

  constructor(
    private readonly url: string,
    private readonly handlers: KiteConnectionHandlers,
  ) {}

  open(): void {
    const ws = new WebSocket(this.url, {
      headers: { 'X-Kite-Version': '3' },
      handshakeTimeout: 5000,
      maxPayload: 8 << 20,
    });
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => this.handlers.onOpen());
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.handlers.onFrame(data);
      else {
        const raw = data.toString('utf8');
        this.handlers.onText(parseServerText(raw), raw);
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      this.end({ httpStatus: res.statusCode });
      ws.terminate();
    });
    ws.on('close', (code, reason) => this.end({ code, reason: reason.toString('utf8') }));
    // Errors are followed by 'close'; swallowing here keeps a protocol fault from escaping.
    ws.on('error', () => undefined);
  }

  private end(info: { code?: number; reason?: string; httpStatus?: number }): void {
    if (this.ended) return;
    this.ended = true;
    this.handlers.onClose(info);
  }

  send(text: string): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(text);
    return true;
  }

  /** Closes at once and resolves when the socket is gone; no further handler calls. */
  async close(): Promise<void> {
    this.ended = true;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.terminate();
      setTimeout(resolve, 1000).unref();
    });
  }
}
