/** Log paths whose values are replaced by "[redacted]" (pino `redact`). */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.access_token',
  '*.accessToken',
  '*.api_secret',
  '*.apiSecret',
  '*.request_token',
  '*.requestToken',
  '*.checksum',
  '*.token',
  '*.jwt',
  '*.password',
  '*.secret',
];

const SENSITIVE_QUERY = /([?&](?:request_token|access_token|token|checksum|api_secret|state)=)[^&#]*/gi;
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g;

/** Strips secrets from a URL or free text before it reaches a log line. */
export function redactText(text: string): string {
  return text.replace(SENSITIVE_QUERY, '$1[redacted]').replace(JWT, '[redacted-jwt]');
}
