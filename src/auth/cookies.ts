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

/** The JWT a request carries: `Authorization: Bearer …` first, then the dashboard session cookie. */
export function bearerOrCookie(
  req: Pick<IncomingMessage, 'headers'>,
  cookieName: string,
): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return readCookie(req, cookieName);
}
