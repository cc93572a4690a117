import type { io as ioFunction, Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SubscribeAck,
  UnsubscribeAck,
} from '../../contracts/socket-protocol.contract.js';
import type { Tick } from '../../kite/tick.js';
import type { MarketStatus } from '../../contracts/market-status.contract.js';
// The one value import from outside this folder: served as /contracts/ (scripts/copy-assets.mjs).
import { decodeCompactRow, type MarketHandshakeAuth } from '../../contracts/compact-tick.contract.js';
import { $ } from './dom.js';
import { refreshMe } from './me.js';
import { store } from './state.js';

/** Socket.IO's client, the one the gateway serves at /socket.io/socket.io.min.js. */
declare const io: typeof ioFunction;

type MarketSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the rest of the page does with the connection's events. */
export interface ConnectionHandlers {
  /** The socket (re)connected: subscribe everything again. */
  onConnect(): void;
  onTicks(ticks: Tick[]): void;
  onMarketStatus(m: MarketStatus): void;
}

let socket: MarketSocket | undefined;
let handlers: ConnectionHandlers | undefined;

const isViewer = () => store.get().me?.role === 'viewer';

/** Shows the login prompt with `message`, or hides it. A viewer (invited) gets no login button. */
export function showLogin(message: string | undefined): void {
  $('login').hidden = message === undefined;
  $('login-button').hidden = isViewer();
  if (message) $('login-message').textContent = message;
}

/** The Kite session as `/api/auth/status` tells it, in the header. */
export async function refreshAuth(): Promise<void> {
  try {
    const s = (await (await fetch('/api/auth/status')).json()) as {
      state: string;
      user_name?: string;
      user_id?: string;
    };
    // Who is logged in is shown to a logged-in dashboard only; anyone else learns the state.
    $('auth').textContent =
      s.state === 'AUTHENTICATED' && s.user_id
        ? `Kite: ${s.user_name ?? ''} (${s.user_id})`
        : `Kite: ${s.state.toLowerCase()}`;
  } catch {
    $('auth').textContent = 'Kite: unknown';
  }
}

export function subscribe(
  symbols: string[],
  mode: 'quote' | 'full',
  done: (ack: SubscribeAck) => void,
): void {
  if (!socket?.connected || symbols.length === 0) return;
  socket.emit('subscribe', { instruments: symbols, mode }, done);
}

export function unsubscribe(symbols: string[]): void {
  socket?.emit('unsubscribe', { instruments: symbols }, (ack: UnsubscribeAck) => {
    if (!ack.ok) console.warn('unsubscribe refused:', ack.error.message);
  });
}

/** (Re)opens the socket; the session cookie set by the login authenticates it. */
export function connect(): void {
  socket?.disconnect();
  // Compact ticks: fewer bytes and less parsing per tick than `ticks` (docs/socket-protocol.md).
  const auth: MarketHandshakeAuth = { encoding: 'compact' };
  const s: MarketSocket = io('/market', { transports: ['websocket'], reconnectionDelayMax: 10_000, auth });
  socket = s;
  s.on('connect', () => {
    const feed = store.get().feed;
    showLogin(feed?.state === 'AUTH_REQUIRED' ? ($('login-message').textContent ?? undefined) : undefined);
    handlers?.onConnect();
  });
  s.on('connect_error', (err) => {
    if (err.message === 'unauthorized') {
      showLogin('Log in with Kite to see live prices.');
      $('feed').textContent = 'not connected';
    }
  });
  s.on('disconnect', (reason) => {
    // The server ends a session whose token expired or was revoked.
    if (reason === 'io server disconnect') {
      $('feed').textContent = 'not connected';
      showLogin(
        isViewer()
          ? 'Your access to this dashboard has ended (revoked or expired): ask the desk admin for a new invite link.'
          : 'Your dashboard session has ended: log in with Kite again.',
      );
      void refreshMe();
    }
  });
  const onTicks = (ticks: Tick[]) => {
    store.set({ lastTickAt: Date.now() });
    handlers?.onTicks(ticks);
  };
  s.on('ticks_compact', (rows) => onTicks(rows.map(decodeCompactRow)));
  // A node of a release before compact ticks ignores `encoding` and sends objects (rolling upgrade).
  s.on('ticks', onTicks);
  s.on('market_status', (m) => handlers?.onMarketStatus(m));
  s.on('feed_status', (f) => {
    store.set({ feed: f });
    if (f.state === 'AUTH_REQUIRED') {
      showLogin(
        isViewer()
          ? 'The Kite session has expired or nobody is logged in: prices resume when the desk admin logs in with Kite again.'
          : 'The Kite session has expired or nobody is logged in: log in with Kite again.',
      );
      void refreshAuth();
    } else if (s.connected) {
      showLogin(undefined);
    }
  });
  s.on('heartbeat', (beat) => {
    store.set({ clockOffset: Date.parse(beat.server_time) - Date.now() });
    const market = store.get().market;
    if (market && beat.market_status !== market.status) void refreshMarket();
  });
}

async function refreshMarket(): Promise<void> {
  const res = await fetch('/api/market/status', { credentials: 'same-origin' });
  if (res.ok) handlers?.onMarketStatus((await res.json()) as MarketStatus);
}

/** Opens the Kite login in a popup (the prompt's button and the admin panel's). */
export function login(): void {
  const popup = window.open('/api/auth/kite/login', 'kite-login', 'popup,width=520,height=680');
  if (!popup) window.location.assign('/api/auth/kite/login'); // popups blocked: full-page flow
}

/** Wires the login button and the popup's message, then connects. */
export function startConnection(h: ConnectionHandlers): void {
  handlers = h;
  $('login-button').addEventListener('click', login);
  window.addEventListener('message', (e: MessageEvent<{ type?: string; ok?: boolean; message?: string }>) => {
    if (e.origin !== window.location.origin || e.data?.type !== 'kite-login') return;
    if (e.data.ok) {
      showLogin(undefined);
      void refreshAuth();
      void refreshMe();
      connect();
    } else {
      showLogin(e.data.message ?? 'The Kite login failed.');
    }
  });
  void refreshAuth();
  // The role first, so that the first prompt already suits a viewer.
  void refreshMe().finally(connect);
}
