/**
 * The Kite-protocol side of a load generator: raw `ws` clients of the relay's `/kite/ws`, as a
 * KiteTicker bot connects, each counting the packets it gets and their latency from the sell
 * quantity the simulator stamps (bytes 24–28 of a quote or full packet).
 */
import WebSocket from 'ws';

/** Opens one client; undefined when the upgrade fails or takes over 30 s. */
export function connectKite(url: string, token: string | undefined): Promise<WebSocket | undefined> {
  const ws = new WebSocket(
    `${url.replace(/^http/, 'ws')}/kite/ws?api_key=bench&access_token=${encodeURIComponent(token ?? '')}`,
    { perMessageDeflate: false },
  );
  return new Promise((resolve) => {
    const timer = setTimeout(() => settle(false), 30_000);
    const settle = (ok: boolean) => {
      clearTimeout(timer);
      if (!ok) ws.terminate();
      resolve(ok ? ws : undefined);
    };
    ws.once('open', () => settle(true));
    ws.once('error', () => settle(false));
    ws.once('unexpected-response', () => settle(false));
  });
}

/** Subscribes in quote (Kite's default) and records every quote or full packet that arrives. */
export function subscribeKite(
  ws: WebSocket,
  tokens: number[],
  record: (stamp: number) => void,
  message: () => void,
): void {
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary || data.length < 2) return;
    message();
    const n = data.readUInt16BE(0);
    let o = 2;
    for (let i = 0; i < n && o + 2 <= data.length; i++) {
      const len = data.readUInt16BE(o);
      o += 2;
      if (o + len > data.length) return;
      if (len === 44 || len === 184) record(data.readUInt32BE(o + 24));
      o += len;
    }
  });
  ws.send(JSON.stringify({ a: 'subscribe', v: tokens }));
}
