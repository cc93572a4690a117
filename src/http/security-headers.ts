import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '../config/app-config.js';

/**
 * The one inline style the dashboard needs: the <style> that lightweight-charts 5.2.1 injects for
 * its TradingView attribution logo (this is the hash of that exact text). The dashboard e2e test
 * fails on any CSP violation, so a chart upgrade that changes it is noticed at once.
 */
const CHART_LOGO_STYLE = "'sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY='";

/**
 * Security headers on every HTTP response (helmet). The CSP allows only the gateway's own scripts,
 * styles and socket: no inline script or style attribute, no framing by any page (also X-Frame-Options
 * DENY), no plugins, no base or form target elsewhere. HSTS only in production behind https.
 */
export function securityHeaders(config: AppConfig): RequestHandler {
  const url = new URL(config.publicUrl);
  const https = url.protocol === 'https:';
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", CHART_LOGO_STYLE],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        // 'self' covers ws(s):// of the same host in current browsers; the explicit one is for older ones.
        connectSrc: ["'self'", `${https ? 'wss' : 'ws'}://${url.host}`],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // The login popup goes through Kite's origin and must still reach its opener.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity:
      config.nodeEnv === 'production' && https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}

/**
 * The headers `securityHeaders` sets, as a plain map, for responses Express never sees: engine.io
 * answers `/socket.io/` itself (see RelayIoAdapter). Helmet's answer does not depend on the request.
 */
export function securityHeaderValues(config: AppConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => delete headers[name],
  };
  let done = false;
  securityHeaders(config)({} as Request, res as unknown as Response, () => (done = true));
  if (!done) throw new Error('helmet did not complete synchronously');
  return headers;
}
