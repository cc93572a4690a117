import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { bufferedPackets, hasWriteBuffer } from './engine-internals.js';

// Conflation reads engine.io's private writeBuffer. This fails loudly if a socket.io upgrade moves it.
describe('engine.io internals the fan-out relies on', () => {
  it('a server socket has a writeBuffer that grows while the client does not read, and drains when it does', async () => {
    const http = createServer();
    const server = new Server(http, { transports: ['websocket'] });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    const client = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
    try {
      const socket = await new Promise<import('socket.io').Socket>((r) => server.once('connection', r));
      assert.equal(
        hasWriteBuffer(socket),
        true,
        'engine.io Socket.writeBuffer is gone: update engine-internals.ts',
      );
      await new Promise<void>((r) => (client.connected ? r() : client.once('connect', () => r())));
      const raw = (
        client.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }
      ).ws._socket;
      raw.pause();
      const big = 'x'.repeat(64 * 1024);
      let max = 0;
      for (let i = 0; i < 400; i++) {
        socket.conn.write(`2["n","${big}"]`);
        max = Math.max(max, bufferedPackets(socket));
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(max > 1, `packets pile up in writeBuffer while the client is paused (${max})`);
      raw.resume();
      const deadline = Date.now() + 10_000;
      while (bufferedPackets(socket) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(bufferedPackets(socket), 0, 'and empty once it reads again');
    } finally {
      client.disconnect();
      await server.close();
    }
  });
});
