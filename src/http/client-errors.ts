import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const KITE_PATH = /^[A-Z]+ \/kite(?:[/?\s]|$)/;

function reply(status: string, body: string): string {
  return [
    `HTTP/1.1 ${status}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

const OVERSIZED = 'the request line and headers pass 16 KiB: send fewer instruments in one request';

/** Node's answer to headers over 16 KiB, with a body each client reads: Kite's envelope under /kite. */
function headersTooLarge(requestStart: string): string {
  const body = KITE_PATH.test(requestStart)
    ? { status: 'error', message: OVERSIZED, error_type: 'InputException', data: null }
    : { statusCode: 431, error: 'Request Header Fields Too Large', message: OVERSIZED };
  return reply('431 Request Header Fields Too Large', JSON.stringify(body));
}

/**
 * What Node answers a request it cannot parse, as its own default does (431, 408, 400, then close),
 * except that the 431 for headers past Node's 16 KiB limit carries a JSON body: under /kite Kite's
 * `InputException` envelope, so that KiteConnect raises InputException for a query of too many
 * instruments, not a bare network error. Nest never sees these requests.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket) => {
    const message = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !message?.headersSent) {
      switch (err.code ?? '') {
        case 'HPE_HEADER_OVERFLOW':
          socket.write(headersTooLarge(err.rawPacket?.subarray(0, 64).toString('latin1') ?? ''));
          break;
        case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
          socket.write('HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n');
          break;
        case 'ERR_HTTP_REQUEST_TIMEOUT':
          socket.write('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
          break;
        case 'ECONNRESET':
          break;
        default:
          socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      }
    }
    socket.destroy(err);
  });
}
