import type { Tick } from '../../kite/tick.js';
import { percent, price, quantity, signed, tickTime } from './format.js';
import { serverNow } from './state.js';

const FIELDS = ['last_price', 'change', 'change_percent', 'volume', 'open', 'high', 'low', 'close', 'time'];
const WIDE = new Set(['volume', 'open', 'high', 'low', 'close']);

/** One watchlist row: its cells and the last tick shown in them. */
export interface Row {
  symbol: string;
  token?: number;
  tr: HTMLTableRowElement;
  cells: Record<string, HTMLTableCellElement>;
  last?: Tick;
}

/** Builds the row's DOM; clicks on it select, the ✕ button removes. */
export function createRow(symbol: string, onSelect: () => void, onRemove: () => void): Row {
  const tr = document.createElement('tr');
  tr.dataset.symbol = symbol;
  const name = document.createElement('td');
  name.textContent = symbol;
  tr.append(name);
  const cells: Record<string, HTMLTableCellElement> = {};
  for (const f of FIELDS) {
    const td = document.createElement('td');
    td.className = WIDE.has(f) ? 'num wide' : f === 'change' ? 'num mid' : 'num';
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
    onRemove();
  });
  rm.append(button);
  tr.append(rm);
  tr.addEventListener('click', onSelect);
  return { symbol, tr, cells };
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

/** Merges `t` into the row's last tick and shows it; returns the merged tick. */
export function renderRow(row: Row, t: Tick): Tick {
  const prev = row.last;
  const merged: Tick = { ...prev, ...t };
  row.last = merged;
  const dir = prev ? Math.sign(merged.last_price - prev.last_price) : 0;
  setCell(row, 'last_price', price(merged.last_price), dir);
  setCell(row, 'change', signed(merged.change));
  setCell(row, 'change_percent', percent(merged.change_percent));
  for (const f of ['change', 'change_percent', 'last_price']) {
    row.cells[f].classList.toggle('up', (merged.change ?? 0) > 0);
    row.cells[f].classList.toggle('down', (merged.change ?? 0) < 0);
  }
  setCell(row, 'volume', quantity(merged.volume));
  setCell(row, 'open', price(merged.ohlc?.open));
  setCell(row, 'high', price(merged.ohlc?.high));
  setCell(row, 'low', price(merged.ohlc?.low));
  setCell(row, 'close', price(merged.ohlc?.close));
  setCell(row, 'time', tickTime(t.last_trade_time ?? t.timestamp, serverNow()));
  return merged;
}

/** Empties the row's values (market status changed: nothing shown may predate it). */
export function clearRow(row: Row): void {
  row.last = undefined;
  for (const f of FIELDS) row.cells[f].textContent = '';
}

/** Shows why the gateway refused the instrument, in place of its price. */
export function showRejected(row: Row, reason: string): void {
  row.cells.last_price.textContent = reason.replace(/_/g, ' ');
}
