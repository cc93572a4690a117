import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { AppModule, type AppOptions } from './app.module.js';
import { AuthCookies } from './auth/auth-cookies.js';
import { RelayIoAdapter } from './gateway/relay-io.adapter.js';
import { ReadinessService } from './health/readiness.service.js';
import { setupApiDocs } from './http/api-docs/api-docs.js';
import { answerClientErrors } from './http/client-errors.js';
import { securityHeaderValues, securityHeaders } from './http/security-headers.js';
import { RedisClients } from './redis/redis-clients.js';

export const DASHBOARD_DIR = join(import.meta.dirname, 'dashboard', 'public');

/** Builds, starts and marks ready the application; used by main.ts and by the e2e tests. */
export async function startApp(
  options: AppOptions,
  listen: { port: number; host: string },
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bufferLogs: true,
    forceCloseConnections: true,
  });
  app.useLogger(app.get(Logger));
  const { trustProxy } = options.config;
  // Which peers may say who the client is (X-Forwarded-For): the per-address limits depend on it.
  app.set('trust proxy', typeof trustProxy === 'object' ? [...trustProxy] : trustProxy);
  app.disable('x-powered-by');
  app.use(securityHeaders(options.config));
  app.useWebSocketAdapter(
    new RelayIoAdapter(
      app,
      options.config.corsOrigins,
      app.get(RedisClients),
      securityHeaderValues(options.config),
    ),
  );
  app.useStaticAssets(DASHBOARD_DIR, { index: 'index.html', maxAge: 0 });
  setupApiDocs(app, app.get(AuthCookies).session);
  limitSlowClients(app.getHttpServer());
  answerClientErrors(app.getHttpServer());
  await app.listen(listen.port, listen.host);
  app.get(ReadinessService).markReady();
  return app;
}

/**
 * A client gets 10 s to send its headers and 15 s for its whole request (Node: 60 s and 300 s), checked
 * every second (Node: 30 s), so slow senders do not hold connections; idle keep-alive lasts 5 s.
 */
function limitSlowClients(server: Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  // Read by Node when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1_000;
}
