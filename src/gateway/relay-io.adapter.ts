import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import type { RedisClients } from '../redis/redis-clients.js';

/**
 * Socket.IO server options from the configuration: exact CORS origins, bounded payloads; and, in a
 * cluster, the Redis adapter, so that what addresses clients (listing them, disconnecting a user's
 * sockets) reaches every node. Ticks never go through it: each node writes to its own clients.
 */
export class RelayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly origins: readonly string[],
    private readonly redis?: RedisClients,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const server = this.createServer(port, options);
    const { command, subscriber } = this.redis ?? {};
    // The adapter shares the bus's subscriber: it ignores channels that are not its own.
    if (command && subscriber) {
      server.adapter(createAdapter(command, subscriber, { key: `${this.redis!.prefix}socket.io` }));
    }
    return server;
  }

  private createServer(port: number, options?: Partial<ServerOptions>): Server {
    const origins = this.origins;
    return super.createIOServer(port, {
      path: '/socket.io',
      ...options,
      cors: { origin: origins, credentials: true },
      // Browsers send Origin; a request from another site is refused before the handshake.
      allowRequest: (req, cb) => {
        const origin = req.headers.origin;
        cb(null, !origin || origins.includes(origin));
      },
      maxHttpBufferSize: 1_000_000,
      perMessageDeflate: false,
      pingInterval: 20_000,
      pingTimeout: 20_000,
    } as ServerOptions);
  }
}
