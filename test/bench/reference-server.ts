/**
 * The fan-out reference: the bare Socket.IO server a user would write without kite-relay.
 * The official KiteTicker receives the same upstream; every tick is emitted to its instrument's
 * room as it arrives. Env: PORT, KT_API_KEY, KT_ACCESS_TOKEN, KT_ROOT, KT_TOKENS (JSON).
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { KiteTicker } from '../helpers/kite-ticker.js';

const http = createServer((req, res) => {
  res.writeHead(req.url === '/ready' && live ? 200 : 503).end();
});
const ioServer = new Server(http, { perMessageDeflate: false });
ioServer.on('connection', (socket) => {
  socket.on('subscribe', (tokens: unknown, ack?: () => void) => {
    if (Array.isArray(tokens)) for (const t of tokens) void socket.join(String(t));
    if (typeof ack === 'function') ack();
  });
});

let live = false;
const tokens = JSON.parse(process.env.KT_TOKENS ?? '[]') as number[];
const ticker = new KiteTicker({
  api_key: process.env.KT_API_KEY!,
  access_token: process.env.KT_ACCESS_TOKEN!,
  root: process.env.KT_ROOT!,
});
ticker.on('connect', () => {
  ticker.subscribe(tokens);
  ticker.setMode('quote', tokens);
  live = true;
});
ticker.on('ticks', (ticks: { instrument_token: number }[]) => {
  for (const t of ticks) ioServer.to(String(t.instrument_token)).emit('tick', t);
});
ticker.connect();
http.listen(Number(process.env.PORT), '127.0.0.1');
