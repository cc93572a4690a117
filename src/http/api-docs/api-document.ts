import type { INestApplication } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { BEARER_SCHEME, COOKIE_SCHEME, ROLE_EXTENSION } from './api-responses.js';
import { ErrorBody } from './error-body.js';
import { KITE_SCHEME, KITE_TAG } from './kite-scheme.js';

type Operation = { description?: string; responses?: Record<string, { description: string }> } & Record<
  string,
  unknown
>;

const ROLE_TEXT: Record<string, string> = {
  public: 'Public: no credential needed.',
  viewer: 'Role: viewer (any valid token or the dashboard session).',
  admin: 'Role: admin.',
};

const DESCRIPTION = `The REST API of kite-relay, described from its controllers.

Credentials: \`Authorization: Bearer <jwt>\` (\`npm run token\` or POST /api/admin/tokens) or the dashboard
session cookie the Kite login sets. Every operation names the role it needs in \`x-role\` and its description:
\`public\`, \`viewer\` (every token) or \`admin\` (the dashboard login, or an admin token). Errors are
\`{statusCode, error, message}\`; 401 without a valid credential, 403 with the wrong role. Past a rate limit
the answer is 429 with \`Retry-After\` (seconds).

Ticks stream over Socket.IO (namespace \`/market\`), which OpenAPI does not describe: see docs/socket-protocol.md and
\`src/contracts/socket-protocol.contract.ts\`.`;

/**
 * The OpenAPI 3.1 document of every controller the app maps. `sessionCookie` is this deployment's
 * cookie name (`__Host-kr_session` over https, `kr_session` on plain http).
 */
export function buildApiDocument(app: INestApplication, sessionCookie: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('kite-relay')
    .setDescription(DESCRIPTION)
    .setVersion('1')
    .addTag('market data', 'Quotes, instrument search, candles and the market status: any valid token.')
    .addTag('admin', 'The Kite session, client tokens and connected clients: the admin role.')
    .addTag('auth', "The Kite login flow and the session's state: public.")
    .addTag('health', 'Terminus probes: public.')
    .addTag('metrics', 'Prometheus: public, and on its own port when METRICS_PORT is set.')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'A JWT from `npm run token` or POST /api/admin/tokens, with role viewer or admin.',
      },
      BEARER_SCHEME,
    )
    .addCookieAuth(
      sessionCookie,
      {
        type: 'apiKey',
        in: 'cookie',
        description:
          'The dashboard session (an admin JWT) set by the Kite login: `__Host-kr_session` when PUBLIC_URL is https, `kr_session` on plain http. Changes (POST, DELETE) made with it must come from PUBLIC_URL or CORS_ORIGINS.',
      },
      COOKIE_SCHEME,
    )
    .addTag(
      KITE_TAG,
      "Kite's own REST market-data routes for an unchanged KiteConnect (docs/kite-compat.md).",
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description:
          "Kite's credential, `token <api_key>:<access_token>`, with a kite-relay token (role viewer or admin) as the access token; the api_key is ignored. Only the /kite routes take it.",
      },
      KITE_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorBody],
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  for (const item of Object.values(document.paths)) {
    for (const op of Object.values(item) as Operation[]) {
      const role = op[ROLE_EXTENSION];
      if (typeof role === 'string' && role in ROLE_TEXT) {
        op.description = [ROLE_TEXT[role], op.description].filter(Boolean).join('\n\n');
      }
      // Nest leaves a response without a description empty; the reason phrase reads better.
      for (const [status, res] of Object.entries(op.responses ?? {})) {
        res.description ||= STATUS_CODES[status] ?? '';
      }
    }
  }
  return document;
}
