import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from './http-util.js';
import type { SimState } from './sim-state.js';
import type { TickerServer } from './ticker-server.js';

/** The `/__sim/*` endpoints tests use to observe and disturb the simulator. */
export async function controlRoute(
  state: SimState,
  ticker: TickerServer,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const body = method === 'POST' ? await readBody(req) : '';
  let args: Record<string, unknown> = {};
  try {
    const parsed: unknown = body ? JSON.parse(body) : {};
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    args = parsed as Record<string, unknown>;
  } catch {
    return sendJson(res, 400, { error: 'body must be a JSON object' });
  }
  switch (`${method} ${path}`) {
    case 'GET /__sim/stats':
      return sendJson(res, 200, {
        ws_connections_open: ticker.openConnections,
        ...state.stats,
        subscribed_instruments: ticker.subscribedCount,
        ticks_per_second: state.rate,
        historical: state.historical,
        instruments: state.universe.length,
      });
    case 'GET /__sim/requests': {
      // ?path=/quote or ?path=/instruments/historical: one route, keyed as in rest_calls.
      const route = url.searchParams.get('path') ?? '';
      return sendJson(res, 200, { path: route, requests: state.requests.of(route) });
    }
    case 'POST /__sim/drop':
      ticker.dropAll();
      return sendJson(res, 200, { ok: true });
    case 'POST /__sim/expire':
      state.sessions.clear();
      ticker.closeAll(1000, 'token expired');
      return sendJson(res, 200, { ok: true });
    case 'POST /__sim/silence': {
      const ms = Number(args.ms ?? 0);
      if (!Number.isFinite(ms) || ms < 0) {
        return sendJson(res, 400, { error: 'ms must be a non-negative number' });
      }
      state.silentUntil = Date.now() + ms;
      return sendJson(res, 200, { ok: true, until: state.silentUntil });
    }
    case 'POST /__sim/garbage':
      ticker.sendToAll(garbageFrames());
      return sendJson(res, 200, { ok: true, frames: garbageFrames().length });
    case 'POST /__sim/rate': {
      const rate = Number(args.ticks_per_second);
      if (!Number.isFinite(rate) || rate < 0 || rate > 1_000_000) {
        return sendJson(res, 400, { error: 'ticks_per_second must be 0..1000000' });
      }
      state.rate = rate;
      return sendJson(res, 200, { ok: true, ticks_per_second: rate });
    }
    case 'POST /__sim/historical':
      if (typeof args.enabled !== 'boolean') {
        return sendJson(res, 400, { error: 'enabled must be true or false' });
      }
      state.historical = args.enabled;
      return sendJson(res, 200, { ok: true, historical: state.historical });
    case 'POST /__sim/unreachable': {
      // {path: '/quote', enabled: true}: that route's requests get their connection cut, unanswered.
      if (typeof args.path !== 'string' || !args.path.startsWith('/') || typeof args.enabled !== 'boolean') {
        return sendJson(res, 400, { error: 'path must be a route such as /quote, enabled true or false' });
      }
      if (args.enabled) state.unreachable.add(args.path);
      else state.unreachable.delete(args.path);
      return sendJson(res, 200, { ok: true, unreachable: [...state.unreachable] });
    }
    case 'POST /__sim/orders': {
      // Sent as given, like Kite's postback on the ticker: tests may also send a malformed order.
      const connections = ticker.sendText(state.apiKey, JSON.stringify({ type: 'order', data: args }));
      return sendJson(res, 200, { ok: true, connections });
    }
    case 'POST /__sim/reset':
      ticker.dropAll();
      state.reset();
      return sendJson(res, 200, { ok: true });
    default:
      return sendJson(res, 404, { error: 'unknown control endpoint' });
  }
}

/** Malformed frames of every kind the decoder must survive. */
function garbageFrames(): (Buffer | string)[] {
  const overrun = Buffer.from([0, 9, 0, 44, 1, 2, 3]);
  const unknownSize = Buffer.from([0, 1, 0, 5, 1, 2, 3, 4, 5]);
  const empty = Buffer.alloc(0);
  const random = Buffer.from(Array.from({ length: 97 }, (_, i) => (i * 31 + 7) & 0xff));
  const brokenOrder = '{"type":"order","data":{"order_id":"2512';
  return [
    overrun,
    unknownSize,
    empty,
    random,
    '{not json',
    JSON.stringify({ type: 'nonsense' }),
    brokenOrder,
  ];
}
