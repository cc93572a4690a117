import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { BinaryWire, binaryFrame } from './binary-wire.js';

/**
 * BinaryWire writes frames past `ws`'s sender, straight to the TCP socket: a real `ws` client (the
 * parser KiteTicker's `ws` uses) must read them whole, between the text frames `ws` itself sends.
 */
describe('BinaryWire: binary frames in one write, read by a ws client', () => {
  let wss: WebSocketServer;
  let client: WebSocket;
  let wire: BinaryWire;
  let server: WebSocket;
  const got: { data: Buffer; isBinary: boolean }[] = [];

  before(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    const connected = new Promise<void>((resolve) =>
      wss.once('connection', (ws, req) => {
        server = ws;
        wire = new BinaryWire(ws, req.socket);
        resolve();
      }),
    );
    await new Promise((r) => wss.once('listening', r));
    client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
      perMessageDeflate: false,
    });
    client.on('message', (data: Buffer, isBinary) => got.push({ data, isBinary }));
    await connected;
  });
  after(() => {
    client.terminate();
    wss.close();
  });

  it('payloads of every length encoding arrive whole and in order with ws text frames between', async () => {
    const sizes = [1, 125, 126, 65_535, 65_536, 558_002];
    const payloads = sizes.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) & 0xff)));
    for (const p of payloads) {
      wire.send(p);
      server.send('{"type":"error","data":"between"}');
    }
    const until = Date.now() + 5000;
    while (got.length < 2 * sizes.length && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, 2 * sizes.length);
    payloads.forEach((p, i) => {
      assert.equal(got[2 * i].isBinary, true);
      assert.ok(got[2 * i].data.equals(p), `${p.length} bytes`);
      assert.equal(got[2 * i + 1].isBinary, false);
    });
    assert.equal(binaryFrame(payloads[0]).length, 3, 'a 7-bit length: a 2-byte header');
    assert.equal(binaryFrame(payloads[2]).length, 126 + 4);
    assert.equal(binaryFrame(payloads[4]).length, 65_536 + 10);
  });
});
