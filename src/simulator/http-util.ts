import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Kite's error envelope, as the official client rethrows it (`error_type`, `message`). */
export function sendKiteError(res: ServerResponse, code: number, errorType: string, message: string): void {
  sendJson(res, code, { status: 'error', message, data: null, error_type: errorType });
}

/** The request body as text, at most 1 MiB (the rest is dropped). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) break;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
