import { el } from './dom.js';

/** A cell: text, or a node (a button). */
export type Cell = string | Node;

/** Replaces a table body's rows; each row gets `data-id`. Shows `empty` when there are none. */
export function fillTable(
  tbody: HTMLTableSectionElement,
  rows: { id: string; cells: Cell[] }[],
  empty?: HTMLElement,
): void {
  tbody.replaceChildren(
    ...rows.map(({ id, cells }) => {
      const tr = el('tr');
      tr.dataset.id = id;
      for (const c of cells) {
        const td = el('td');
        td.append(c);
        tr.append(td);
      }
      return tr;
    }),
  );
  if (empty) empty.hidden = rows.length > 0;
}

/** A row's action button (`data-action`), disabled while its action runs. */
export function actionButton(label: string, action: string, run: () => Promise<void>): HTMLButtonElement {
  const b = el('button', 'small', label);
  b.type = 'button';
  b.dataset.action = action;
  b.addEventListener('click', () => {
    b.disabled = true;
    void run().finally(() => (b.disabled = false));
  });
  return b;
}
