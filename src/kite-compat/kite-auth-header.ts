/** Longer than any kite-relay token; refused before it reaches the JWT verifier. */
const MAX_HEADER = 4096;

/**
 * The access token of Kite's `Authorization: token <api_key>:<access_token>` header, or undefined
 * when the header is missing or malformed. The `api_key` part is ignored: the access token is a
 * kite-relay token, verified by TokenService like any other. Shared by `/kite/*` REST and `/kite/ws`.
 */
export function kiteAccessToken(header: string | undefined): string | undefined {
  if (!header || header.length > MAX_HEADER) return undefined;
  const m = /^token ([^:\s]*):(\S+)$/i.exec(header.trim());
  return m ? m[2] : undefined;
}
