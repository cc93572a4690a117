import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfigService } from '../config/app-config.service.js';
import { errorText } from '../common/error-text.js';
import { METRICS_CHALLENGE, metricsAuthorized } from './metrics-auth.js';
import { MetricsService } from './metrics.service.js';

/**
 * `GET /metrics` on METRICS_PORT (production), a small server of its own so that the public port
 * never serves it: Prometheus reaches this port on the internal network, which nobody publishes.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfigService,
  ) {}

  /** The port it listens on (METRICS_PORT, or the one the system chose for 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { metricsPort, host } = this.config.values;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new Error(`METRICS_PORT ${metricsPort}: cannot listen on ${host} (${err.code ?? err.message})`),
        ),
      );
      server.listen(metricsPort, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics served on ${host}:${this.port}/metrics (not on the main port)`);
  }

  onApplicationShutdown(): void {
    this.server?.close();
    this.server?.closeAllConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if ((req.url ?? '').split('?')[0] !== '/metrics') return end(res, 404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return end(res, 405, 'method not allowed');
    if (!metricsAuthorized(req.headers.authorization, this.config.values.metricsToken)) {
      res.setHeader('WWW-Authenticate', METRICS_CHALLENGE);
      return end(res, 401, 'unauthorized: send Authorization: Bearer <METRICS_TOKEN>');
    }
    try {
      const body = await this.metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.logger.warn(`metrics scrape failed: ${errorText(err)}`);
      end(res, 500, 'metrics unavailable');
    }
  }
}

function end(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`${text}\n`);
}
