import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** The path of the Kite-protocol ticker, served with or without a trailing slash. */
export const KITE_WS_PATH = '/kite/ws';

/** The request target's path and `access_token`, or undefined when it is not `/kite/ws`. */
export function kiteWsTarget(url: string | undefined): { accessToken?: string } | undefined {
  if (!url || url.length > 8192) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path !== KITE_WS_PATH && path !== `${KITE_WS_PATH}/`) return undefined;
  // api_key, uid and anything else are accepted and ignored, as the official clients send them.
  const accessToken = new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('access_token') ?? undefined;
  return { accessToken: accessToken || undefined };
}

/** Refuses an upgrade with a plain HTTP answer, as Kite does (403 bad token, 429 too many). */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) return void socket.destroy();
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
