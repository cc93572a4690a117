import { parseCookie } from 'cookie';
import type { IncomingMessage } from 'node:http';

export function readCookie(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header || header.length > 8192) return undefined;
  try {
    return parseCookie(header)[name] ?? undefined;
  } catch {
    return undefined;
  }
}
