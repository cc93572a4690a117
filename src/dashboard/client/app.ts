/**
 * The dashboard served at `/`: compiled by the project's tsc and copied next to index.html.
 * It imports types only, so the emitted file has no imports and runs as a plain browser module;
 * Socket.IO's client is the one the gateway serves at /socket.io/socket.io.min.js.
 */
import type { io as ioFunction, Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  SubscribeAck,
} from '../../gateway/market-events.js';
import type { Tick } from '../../kite/tick.js';
import type { FeedStatus } from '../../market-feed/market-feed.constants.js';
import type { MarketStatus } from '../../market-status/market-status.js';

declare const io: typeof ioFunction;

type MarketSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Row {
  symbol: string;
  token?: number;
  tr: HTMLTableRowElement;
  cells: Record<string, HTMLTableCellElement>;
  last?: Tick;
}

const STORAGE_KEY = 'kite-relay.watchlist';
const DEFAULT_WATCHLIST = ['NSE:NIFTY 50', 'NSE:RELIANCE', 'NSE:TCS', 'NSE:HDFCBANK'];
const STALE_MS = 5000;
const FIELDS = ['last_price', 'change', 'change_percent', 'volume', 'open', 'high', 'low', 'close', 'time'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const tbody = $<HTMLTableElement>('watchlist').tBodies[0];

let socket: MarketSocket | undefined;
/** The watchlist, in order: its rows are the one record of it (saved to localStorage on change). */
const rows = new Map<string, Row>();
const watchlist = () => [...rows.keys()];
const byToken = new Map<number, Row>();
let selected: string | undefined;
let market: MarketStatus | undefined;
let clockOffset = 0; // server time − local time
let lastTickAt = 0;
let feed: FeedStatus | undefined;

function loadWatchlist(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // a corrupt entry falls back to the default
  }
  return [...DEFAULT_WATCHLIST];
}

function saveWatchlist(): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(watchlist()));
}

// ---- formatting ----------------------------------------------------------------------------

const price = (v: number | undefined) =>
  v === undefined ? '' : v.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const signed = (v: number | undefined, digits = 2) =>
  v === undefined ? '' : `${v > 0 ? '+' : ''}${v.toFixed(digits)}`;
const IST_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Kolkata',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});
/** The exchange's time of the last trade when the tick has one (full mode), else when it arrived (IST). */
const time = (iso: string | null | undefined) =>
  iso ? iso.slice(11, 19) : IST_TIME.format(new Date(Date.now() + clockOffset));

function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hms = [Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
  return d > 0 ? `${d}d ${hms}` : hms;
}

// ---- watchlist table -----------------------------------------------------------------------

function addRow(symbol: string): Row {
  const tr = document.createElement('tr');
  tr.dataset.symbol = symbol;
  const name = document.createElement('td');
  name.textContent = symbol;
  tr.append(name);
  const cells: Record<string, HTMLTableCellElement> = {};
  for (const f of FIELDS) {
    const td = document.createElement('td');
    td.className = ['volume', 'open', 'high', 'low', 'close'].includes(f)
      ? 'num wide'
      : f === 'change'
        ? 'num mid'
        : 'num';
    td.dataset.field = f;
    cells[f] = td;
    tr.append(td);
  }
  const rm = document.createElement('td');
  const button = document.createElement('button');
  button.className = 'remove';
  button.type = 'button';
  button.title = `Remove ${symbol}`;
  button.textContent = '✕';
  button.addEventListener('click', (e) => {
    e.stopPropagation();
    removeInstrument(symbol);
  });
  rm.append(button);
  tr.append(rm);
  tr.addEventListener('click', () => select(symbol));
  tbody.append(tr);
  const row: Row = { symbol, tr, cells };
  rows.set(symbol, row);
  return row;
}

function setCell(row: Row, field: string, text: string, dir = 0): void {
  const td = row.cells[field];
  if (td.textContent === text) return;
  td.textContent = text;
  if (dir !== 0) {
    td.classList.remove('flash-up', 'flash-down');
    void td.offsetWidth; // restart the animation
    td.classList.add(dir > 0 ? 'flash-up' : 'flash-down');
  }
}

function render(row: Row, t: Tick): void {
  const prev = row.last;
  const merged: Tick = { ...prev, ...t };
  row.last = merged;
  const dir = prev ? Math.sign(merged.last_price - prev.last_price) : 0;
  setCell(row, 'last_price', price(merged.last_price), dir);
  setCell(row, 'change', signed(merged.change));
  setCell(
    row,
    'change_percent',
    merged.change_percent === undefined ? '' : `${signed(merged.change_percent)}%`,
  );
  for (const f of ['change', 'change_percent', 'last_price']) {
    row.cells[f].classList.toggle('up', (merged.change ?? 0) > 0);
    row.cells[f].classList.toggle('down', (merged.change ?? 0) < 0);
  }
  setCell(row, 'volume', merged.volume === undefined ? '' : merged.volume.toLocaleString('en-IN'));
  setCell(row, 'open', price(merged.ohlc?.open));
  setCell(row, 'high', price(merged.ohlc?.high));
  setCell(row, 'low', price(merged.ohlc?.low));
  setCell(row, 'close', price(merged.ohlc?.close));
  setCell(row, 'time', time(t.last_trade_time ?? t.timestamp));
  if (row.symbol === selected) renderDepth(merged);
}

function clearValues(): void {
  for (const row of rows.values()) {
    row.last = undefined;
    for (const f of FIELDS) row.cells[f].textContent = '';
  }
  $('depth-rows').textContent = '';
}

function renderDepth(t: Tick): void {
  const body = $('depth-rows');
  if (!t.depth) return;
  const lines: HTMLTableRowElement[] = [];
  for (let level = 0; level < 5; level++) {
    const b = t.depth.buy[level];
    const s = t.depth.sell[level];
    const tr = document.createElement('tr');
    const cells = [b?.orders, b?.quantity, price(b?.price), price(s?.price), s?.quantity, s?.orders];
    for (const [i, v] of cells.entries()) {
      const td = document.createElement('td');
      td.className = i === 0 || i === 5 ? 'num wide' : 'num';
      td.textContent = v === undefined ? '' : String(v);
      tr.append(td);
    }
    lines.push(tr);
  }
  body.replaceChildren(...lines);
}

function updateEmpty(): void {
  $('empty').hidden = rows.size > 0;
}

// ---- subscriptions -------------------------------------------------------------------------

function subscribe(symbols: string[], mode: 'quote' | 'full'): void {
  if (!socket?.connected || symbols.length === 0) return;
  socket.emit('subscribe', { instruments: symbols, mode }, (ack: SubscribeAck) => {
    if (!ack.ok) {
      console.warn('subscribe refused:', ack.error.message);
      return;
    }
    for (const s of ack.subscribed) {
      const row = rows.get(s.symbol ?? '') ?? [...rows.values()].find((r) => r.token === s.instrument_token);
      if (!row) continue;
      row.token = s.instrument_token;
      byToken.set(s.instrument_token, row);
    }
    for (const r of ack.rejected) {
      const row = rows.get(String(r.instrument));
      if (row) row.cells.last_price.textContent = r.reason.replace(/_/g, ' ');
    }
  });
}

function addInstrument(symbol: string): void {
  if (!rows.has(symbol)) {
    addRow(symbol);
    saveWatchlist();
    subscribe([symbol], 'quote');
  }
  updateEmpty();
  $<HTMLInputElement>('search').value = '';
  $('results').replaceChildren();
}

function removeInstrument(symbol: string): void {
  const row = rows.get(symbol);
  if (row) {
    row.tr.remove();
    rows.delete(symbol);
    if (row.token !== undefined) byToken.delete(row.token);
  }
  saveWatchlist();
  if (selected === symbol) select(undefined);
  socket?.emit('unsubscribe', { instruments: [symbol] }, (ack) => {
    if (!ack.ok) console.warn('unsubscribe refused:', ack.error.message);
  });
  updateEmpty();
}

/** The selected instrument streams in full mode (depth); the others in quote mode. */
function select(symbol: string | undefined): void {
  const previous = selected;
  if (previous === symbol) return;
  selected = symbol;
  for (const row of rows.values()) row.tr.classList.toggle('selected', row.symbol === symbol);
  if (previous && rows.has(previous)) subscribe([previous], 'quote');
  $('depth').hidden = !symbol;
  $('depth-symbol').textContent = symbol ?? '';
  $('depth-rows').textContent = '';
  if (symbol) subscribe([symbol], 'full');
}

/** Fresh quotes for the whole watchlist over HTTP (cache or Kite, never older than the TTL). */
async function reloadSnapshot(): Promise<void> {
  if (rows.size === 0) return;
  const query = watchlist()
    .map((s) => `i=${encodeURIComponent(s)}`)
    .join('&');
  const res = await fetch(`/api/quotes?${query}`, { credentials: 'same-origin' });
  if (!res.ok) return;
  const body = (await res.json()) as { data: Record<string, Tick> };
  for (const [symbol, tick] of Object.entries(body.data)) {
    const row = rows.get(symbol);
    if (row) render(row, tick);
  }
}

// ---- status --------------------------------------------------------------------------------

function showLogin(message: string | undefined): void {
  $('login').hidden = message === undefined;
  if (message) $('login-message').textContent = message;
}

async function refreshAuth(): Promise<void> {
  try {
    const s = (await (await fetch('/api/auth/status')).json()) as {
      state: string;
      user_name?: string;
      user_id?: string;
    };
    $('auth').textContent =
      s.state === 'AUTHENTICATED'
        ? `Kite: ${s.user_name ?? ''} (${s.user_id ?? ''})`
        : `Kite: ${s.state.toLowerCase()}`;
  } catch {
    $('auth').textContent = 'Kite: unknown';
  }
}

function onMarketStatus(m: MarketStatus): void {
  const changed = market !== undefined && market.status !== m.status;
  market = m;
  clockOffset = Date.parse(m.server_time) - Date.now();
  const el = $('market');
  el.dataset.status = m.status;
  el.textContent = `NSE ${m.status.replace('_', ' ')}${m.reason ? ` (${m.reason})` : ''}`;
  updateClock();
  if (changed) {
    // Nothing shown may be from before the change: clear, then take a fresh snapshot.
    clearValues();
    void reloadSnapshot();
  }
}

function onFeedStatus(f: FeedStatus): void {
  feed = f;
  const el = $('feed');
  el.dataset.state = f.state;
  el.textContent = `feed ${f.state.replace('_', ' ')}`;
  if (f.state === 'AUTH_REQUIRED') {
    showLogin('The Kite session has expired or nobody is logged in: log in with Kite again.');
    void refreshAuth();
  } else if (socket?.connected) {
    showLogin(undefined);
  }
}

function updateClock(): void {
  if (market) {
    const left = Date.parse(market.next_change_at) - (Date.now() + clockOffset);
    $('market-next').textContent = `${market.next_status.replace('_', ' ')} in ${duration(left)}`;
  }
  const age = $('tick-age');
  if (lastTickAt === 0) {
    age.textContent = 'no tick yet';
    age.classList.remove('stale');
  } else {
    const ms = Date.now() - lastTickAt;
    age.textContent = `last tick ${(ms / 1000).toFixed(1)} s ago`;
    age.classList.toggle('stale', ms > STALE_MS && feed?.state === 'LIVE' && market?.status === 'LIVE');
  }
}

// ---- connection ----------------------------------------------------------------------------

function connect(): void {
  socket?.disconnect();
  const s: MarketSocket = io('/market', { transports: ['websocket'], reconnectionDelayMax: 10_000 });
  socket = s;
  s.on('connect', () => {
    showLogin(feed?.state === 'AUTH_REQUIRED' ? ($('login-message').textContent ?? undefined) : undefined);
    byToken.clear();
    const others = watchlist().filter((w) => w !== selected);
    subscribe(others, 'quote');
    if (selected) subscribe([selected], 'full');
  });
  s.on('connect_error', (err) => {
    if (err.message === 'unauthorized') {
      showLogin('Log in with Kite to see live prices.');
      $('feed').textContent = 'not connected';
    }
  });
  s.on('disconnect', (reason) => {
    // The server ends a session whose dashboard login expired.
    if (reason === 'io server disconnect')
      showLogin('Your dashboard session has ended: log in with Kite again.');
  });
  s.on('ticks', (ticks) => {
    lastTickAt = Date.now();
    for (const t of ticks) {
      const row = byToken.get(t.instrument_token) ?? (t.symbol ? rows.get(t.symbol) : undefined);
      if (row) render(row, t);
    }
  });
  s.on('market_status', onMarketStatus);
  s.on('feed_status', onFeedStatus);
  s.on('heartbeat', (beat) => {
    clockOffset = Date.parse(beat.server_time) - Date.now();
    if (market && beat.market_status !== market.status) void refreshMarket();
  });
}

async function refreshMarket(): Promise<void> {
  const res = await fetch('/api/market/status', { credentials: 'same-origin' });
  if (res.ok) onMarketStatus((await res.json()) as MarketStatus);
}

function login(): void {
  const popup = window.open('/api/auth/kite/login', 'kite-login', 'popup,width=520,height=680');
  if (!popup) window.location.assign('/api/auth/kite/login'); // popups blocked: full-page flow
}

window.addEventListener('message', (e: MessageEvent<{ type?: string; ok?: boolean; message?: string }>) => {
  if (e.origin !== window.location.origin || e.data?.type !== 'kite-login') return;
  if (e.data.ok) {
    showLogin(undefined);
    void refreshAuth();
    connect();
  } else {
    showLogin(e.data.message ?? 'The Kite login failed.');
  }
});

// ---- search --------------------------------------------------------------------------------

let searchTimer: number | undefined;
$<HTMLInputElement>('search').addEventListener('input', (e) => {
  const q = (e.target as HTMLInputElement).value.trim();
  window.clearTimeout(searchTimer);
  if (!q) {
    $('results').replaceChildren();
    return;
  }
  searchTimer = window.setTimeout(() => void search(q), 150);
});
$<HTMLInputElement>('search').addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const first = $('results').querySelector('button');
  first?.click();
});

async function search(q: string): Promise<void> {
  const res = await fetch(`/api/instruments?q=${encodeURIComponent(q)}`, { credentials: 'same-origin' });
  const list = $('results');
  if (res.status === 401) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'Log in to search instruments.';
    list.replaceChildren(li);
    return;
  }
  if (!res.ok) return;
  const body = (await res.json()) as { data: { symbol: string; name: string }[] };
  list.replaceChildren(
    ...body.data.slice(0, 12).map((i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.symbol = i.symbol;
      b.textContent = `${i.symbol} — ${i.name}`;
      b.addEventListener('click', () => addInstrument(i.symbol));
      li.append(b);
      return li;
    }),
  );
}

// ---- start ---------------------------------------------------------------------------------

$('login-button').addEventListener('click', login);
for (const symbol of loadWatchlist()) addRow(symbol);
updateEmpty();
void refreshAuth();
connect();
setInterval(updateClock, 250);
