import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { join } from 'node:path';
import { AppModule, type AppOptions } from './app.module.js';
import { RelayIoAdapter } from './gateway/relay-io.adapter.js';
import { ReadinessService } from './health/readiness.service.js';
import { securityHeaders } from './http/security-headers.js';

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
  app.useWebSocketAdapter(new RelayIoAdapter(app, options.config.corsOrigins));
  app.useStaticAssets(DASHBOARD_DIR, { index: 'index.html', maxAge: 0 });
  await app.listen(listen.port, listen.host);
  app.get(ReadinessService).markReady();
  return app;
}
