import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';

/** Socket.IO server options from the configuration: exact CORS origins, bounded payloads. */
export class RelayIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly origins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
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
