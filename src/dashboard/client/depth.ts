import type { Tick } from '../../kite/tick.js';
import { $ } from './dom.js';
import { price } from './format.js';

/** Shows or hides the depth panel for `symbol`, empty until its first full-mode tick. */
export function showDepth(symbol: string | undefined): void {
  $('depth').hidden = !symbol;
  $('depth-symbol').textContent = symbol ?? '';
  clearDepth();
}

export function clearDepth(): void {
  $('depth-rows').textContent = '';
}

/** The five bid and ask levels of a full-mode tick. */
export function renderDepth(t: Tick): void {
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
  $('depth-rows').replaceChildren(...lines);
}
