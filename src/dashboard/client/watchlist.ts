import type { SubscribeAck } from '../../contracts/socket-protocol.contract.js';
import type { Tick } from '../../kite/tick.js';
import { subscribe, unsubscribe } from './connection.js';
import { clearDepth, renderDepth, showDepth } from './depth.js';
import { $ } from './dom.js';
import { clearRow, createRow, renderRow, showRejected, type Row } from './row.js';
import { clearSearch } from './search.js';
import { store } from './state.js';

const STORAGE_KEY = 'kite-relay.watchlist';
const DEFAULT_WATCHLIST = ['NSE:NIFTY 50', 'NSE:RELIANCE', 'NSE:TCS', 'NSE:HDFCBANK'];

/** The watchlist, in order: its rows are the one record of it (saved to localStorage on change). */
const rows = new Map<string, Row>();
const byToken = new Map<number, Row>();
const symbols = () => [...rows.keys()];
const tbody = () => $<HTMLTableElement>('watchlist').tBodies[0];

function load(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // a corrupt entry falls back to the default
  }
  return [...DEFAULT_WATCHLIST];
}

const save = () => localStorage.setItem(STORAGE_KEY, JSON.stringify(symbols()));
const updateEmpty = () => ($('empty').hidden = rows.size > 0);

function onAck(ack: SubscribeAck): void {
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
    if (row) showRejected(row, r.reason);
  }
}

function addRow(symbol: string): void {
  const row = createRow(
    symbol,
    () => select(symbol),
    () => removeInstrument(symbol),
  );
  tbody().append(row.tr);
  rows.set(symbol, row);
}

export function addInstrument(symbol: string): void {
  if (!rows.has(symbol)) {
    addRow(symbol);
    save();
    subscribe([symbol], 'quote', onAck);
  }
  updateEmpty();
  clearSearch();
}

function removeInstrument(symbol: string): void {
  const row = rows.get(symbol);
  if (row) {
    row.tr.remove();
    rows.delete(symbol);
    if (row.token !== undefined) byToken.delete(row.token);
  }
  save();
  if (store.get().selected === symbol) select(undefined);
  unsubscribe([symbol]);
  updateEmpty();
}

/** The selected instrument streams in full mode (depth); the others in quote mode. */
function select(symbol: string | undefined): void {
  const previous = store.get().selected;
  if (previous === symbol) return;
  for (const row of rows.values()) row.tr.classList.toggle('selected', row.symbol === symbol);
  if (previous && rows.has(previous)) subscribe([previous], 'quote', onAck);
  showDepth(symbol);
  store.set({ selected: symbol });
  if (symbol) subscribe([symbol], 'full', onAck);
}

/** The row of a tick's instrument, if it is on the watchlist. */
export function rowOf(t: Tick): Row | undefined {
  return byToken.get(t.instrument_token) ?? (t.symbol ? rows.get(t.symbol) : undefined);
}

export function onTicks(ticks: Tick[]): void {
  const selected = store.get().selected;
  for (const t of ticks) {
    const row = rowOf(t);
    if (!row) continue;
    const merged = renderRow(row, t);
    if (row.symbol === selected) renderDepth(merged);
  }
}

/** Subscribes the whole watchlist again (a new connection). */
export function resubscribe(): void {
  byToken.clear();
  const selected = store.get().selected;
  subscribe(
    symbols().filter((w) => w !== selected),
    'quote',
    onAck,
  );
  if (selected) subscribe([selected], 'full', onAck);
}

/** Fresh quotes for the whole watchlist over HTTP (cache or Kite, never older than the TTL). */
async function reloadSnapshot(): Promise<void> {
  if (rows.size === 0) return;
  const query = symbols()
    .map((s) => `i=${encodeURIComponent(s)}`)
    .join('&');
  const res = await fetch(`/api/quotes?${query}`, { credentials: 'same-origin' });
  if (!res.ok) return;
  const body = (await res.json()) as { data: Record<string, Tick> };
  const selected = store.get().selected;
  for (const [symbol, tick] of Object.entries(body.data)) {
    const row = rows.get(symbol);
    if (!row) continue;
    const merged = renderRow(row, tick);
    if (symbol === selected) renderDepth(merged);
  }
}

/** Builds the rows; at a market-status change clears them and takes a fresh snapshot. */
export function startWatchlist(): void {
  for (const symbol of load()) addRow(symbol);
  updateEmpty();
  store.subscribe((now, before) => {
    if (!now.market || !before.market || now.market.status === before.market.status) return;
    // Nothing shown may be from before the change: clear, then take a fresh snapshot.
    for (const row of rows.values()) clearRow(row);
    clearDepth();
    void reloadSnapshot();
  });
}
