import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { historical } from './historical-route.js';
import { readBody, sendJson, sendKiteError } from './http-util.js';
import { countRestCall, statsPath } from './sim-stats.js';
import type { SimState } from './sim-state.js';
import { istWallText } from './sim-time.js';

const HISTORICAL_PREFIX = '/instruments/historical/';

/** Kite's REST API and login page, as far as kite-relay and the official client use them. */
export async function kiteRest(
  state: SimState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  countRestCall(state.stats, path);
  state.requests.record(path, url.search.slice(1), Date.now());
  // Kite out of reach: the request arrived (counted, logged) but gets no answer, only a cut connection.
  if (state.unreachable.has(statsPath(path))) return void req.socket.destroy();
  if (path === '/connect/login' && method === 'GET') return login(state, url, res);
  if (path === '/session/token' && method === 'POST') {
    return session(state, new URLSearchParams(await readBody(req)), res);
  }
  if (path === '/session/token' && method === 'DELETE') {
    state.sessions.revoke(url.searchParams.get('access_token') ?? '');
    return sendJson(res, 200, { status: 'success', data: true });
  }
  if (!authorized(state, req)) {
    return sendKiteError(res, 403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
  }
  if (path === '/user/profile') return sendJson(res, 200, { status: 'success', data: profile(state) });
  if (path.startsWith(HISTORICAL_PREFIX)) {
    return historical(state, path.slice(HISTORICAL_PREFIX.length), url, res);
  }
  if (path === '/instruments' || path.startsWith('/instruments/')) {
    const exchange = path.split('/')[2];
    res.writeHead(200, { 'Content-Type': 'text/csv' });
    return void res.end(state.instrumentsCsv(exchange?.toUpperCase()));
  }
  if (path === '/quote' || path === '/quote/ltp' || path === '/quote/ohlc') {
    return quote(state, url.searchParams.getAll('i'), path, res);
  }
  sendKiteError(res, 404, 'GeneralException', 'Route not found');
}

function authorized(state: SimState, req: IncomingMessage): boolean {
  const m = /^token ([^:]+):(.+)$/.exec(req.headers.authorization ?? '');
  return !!m && m[1] === state.apiKey && state.sessions.isValid(m[2]);
}

function login(state: SimState, url: URL, res: ServerResponse): void {
  if (url.searchParams.get('api_key') !== state.apiKey) {
    res.writeHead(400, { 'Content-Type': 'text/html' });
    return void res.end('<h1>Invalid api_key</h1>');
  }
  const target = new URL(state.redirectUrl);
  target.searchParams.set('request_token', state.sessions.issueRequestToken());
  target.searchParams.set('action', 'login');
  target.searchParams.set('type', 'login');
  target.searchParams.set('status', 'success');
  const extra = new URLSearchParams(url.searchParams.get('redirect_params') ?? '');
  for (const [k, v] of extra) target.searchParams.set(k, v);
  res.writeHead(302, { Location: target.toString() });
  res.end();
}

function profile(state: SimState) {
  return {
    user_id: state.userId,
    user_type: 'individual',
    email: 'sim@example.invalid',
    user_name: state.userName,
    user_shortname: state.userName.split(' ')[0],
    broker: 'ZERODHA',
    exchanges: ['NSE', 'BSE', 'CDS', 'BCD'],
    products: ['CNC', 'NRML', 'MIS'],
    order_types: ['MARKET', 'LIMIT', 'SL', 'SL-M'],
    avatar_url: null,
    meta: { demat_consent: 'physical' },
  };
}

function session(state: SimState, form: URLSearchParams, res: ServerResponse): void {
  const apiKey = form.get('api_key') ?? '';
  const requestToken = form.get('request_token') ?? '';
  const checksum = form.get('checksum') ?? '';
  const expected = createHash('sha256')
    .update(apiKey + requestToken + state.apiSecret)
    .digest('hex');
  if (apiKey !== state.apiKey || checksum !== expected) {
    return sendKiteError(res, 403, 'TokenException', 'Invalid checksum');
  }
  if (!state.sessions.redeemRequestToken(requestToken)) {
    return sendKiteError(res, 403, 'TokenException', 'Token is invalid or has expired.');
  }
  sendJson(res, 200, {
    status: 'success',
    data: {
      ...profile(state),
      api_key: apiKey,
      access_token: state.sessions.issueAccessToken(),
      public_token: randomBytes(8).toString('hex'),
      enctoken: '',
      refresh_token: '',
      silo: '',
      login_time: istWallText(state.now()),
    },
  });
}

function quote(state: SimState, keys: string[], path: string, res: ServerResponse): void {
  if (keys.length > 500) {
    return sendKiteError(res, 400, 'InputException', 'Too many instruments (at most 500)');
  }
  const data: Record<string, unknown> = {};
  const now = state.now();
  for (const key of keys) {
    const inst = /^\d+$/.test(key) ? state.byToken.get(Number(key)) : state.bySymbol.get(key);
    const t =
      inst &&
      (state.replay
        ? state.replay.quote(inst.instrument_token)
        : state.model.quoteAt(inst.instrument_token, now));
    if (!t) continue;
    if (path === '/quote/ltp') data[key] = { instrument_token: t.instrument_token, last_price: t.last_price };
    else if (path === '/quote/ohlc') {
      data[key] = { instrument_token: t.instrument_token, last_price: t.last_price, ohlc: t.ohlc };
    } else {
      const { mode: _m, tradable: _t, change: _c, change_percent: _p, ...rest } = t;
      data[key] = { ...rest, net_change: 0 };
    }
  }
  sendJson(res, 200, { status: 'success', data });
}
