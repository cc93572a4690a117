import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Application } from 'express';
import type { Server, ServerOptions } from 'socket.io';
import { ClusterBus } from '../redis/cluster-bus.js';
import type { RedisClients } from '../redis/redis-clients.js';
import { ADAPTER_KEY } from '../redis/redis-channels.js';
import type { TrustProxy } from './client-address.js';
import { HANDSHAKE_TIMEOUT_MS, UnauthenticatedConnections } from './unauthenticated-connections.js';

/**
 * Socket.IO server options from the configuration: exact CORS origins, bounded payloads, a cap on
 * unauthenticated connections per address, a short handshake timeout; and, in a cluster, the Redis
 * adapter (its messages signed with the cluster key, see signed-adapter-clients.ts), so that what
 * addresses clients (listing them, disconnecting a user's sockets) reaches every node. Ticks never go through it: each node writes to its own clients. Engine.io's own answers
 * carry the security headers of the HTTP routes.
 */
export class RelayIoAdapter extends IoAdapter {
  constructor(
    private readonly app: INestApplication,
    private readonly origins: readonly string[],
    private readonly redis?: RedisClients,
    private readonly securityHeaders: Readonly<Record<string, string>> = {},
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const server = this.createServer(port, options);
    // The adapter shares the bus's connections, through the bus's signing: it sees only its own
    // channels' messages, each opened and checked first.
    const clients = this.redis ? this.app.get(ClusterBus).adapterClients() : undefined;
    if (clients) {
      server.adapter(createAdapter(clients.pub, clients.sub, { key: this.redis!.prefix + ADAPTER_KEY }));
    }
    return server;
  }

  /**
   * Nest binds each socket's `@SubscribeMessage` handlers here, and makes a disconnect observable
   * per socket even when there are none. The gateway has none (it attaches its own listeners), so a
   * socket with no handlers costs nothing here.
   */
  override bindMessageHandlers(...args: Parameters<IoAdapter['bindMessageHandlers']>): void {
    if (args[1].length === 0) return;
    super.bindMessageHandlers(...args);
  }

  private createServer(port: number, options?: Partial<ServerOptions>): Server {
    const origins = this.origins;
    const unauthenticated = this.app.get(UnauthenticatedConnections);
    const express = this.app.getHttpAdapter().getInstance() as Application;
    // The same rule as Express's req.ip, read at each connection so a later `trust proxy` setting applies.
    unauthenticated.useTrust(() => express.get('trust proxy fn') as TrustProxy);
    const server = super.createIOServer(port, {
      path: '/socket.io',
      ...options,
      cors: { origin: origins, credentials: true },
      // Browsers send Origin; a request from another site is refused before the handshake.
      allowRequest: (req, cb) => {
        const origin = req.headers.origin;
        if (origin && !origins.includes(origin)) return cb(null, false);
        if (!unauthenticated.admits(req)) return cb('too many unauthenticated connections', false);
        cb(null, true);
      },
      connectTimeout: HANDSHAKE_TIMEOUT_MS,
      maxHttpBufferSize: 1_000_000,
      perMessageDeflate: false,
      pingInterval: 20_000,
      pingTimeout: 20_000,
    } as ServerOptions);
    // Helmet covers Express's answers only; engine.io writes /socket.io/ responses itself. Every
    // handshake, polling and upgrade answer gets the same headers ('headers' fires for each of them).
    server.engine.on('headers', (headers: Record<string, string>) => {
      Object.assign(headers, this.securityHeaders);
    });
    server.engine.on('connection', (conn: Parameters<UnauthenticatedConnections['opened']>[0]) => {
      if (!unauthenticated.opened(conn)) conn.close();
    });
    // Only /market serves clients; the main namespace would let a connection outlive the handshake timeout.
    server.of('/').use((_socket, next) => next(new Error('unauthorized')));
    return server;
  }
}
