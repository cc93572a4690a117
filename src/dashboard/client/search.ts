import { $ } from './dom.js';

/** The instrument search box: `/api/instruments?q=` as you type; a result (or Enter) calls `onPick`. */
export function startSearch(onPick: (symbol: string) => void): void {
  const input = $<HTMLInputElement>('search');
  let timer: number | undefined;
  input.addEventListener('input', () => {
    const q = input.value.trim();
    window.clearTimeout(timer);
    if (!q) {
      clearSearch();
      return;
    }
    timer = window.setTimeout(() => void search(q, onPick), 150);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    $('results').querySelector('button')?.click();
  });
}

export function clearSearch(): void {
  $<HTMLInputElement>('search').value = '';
  $('results').replaceChildren();
}

async function search(q: string, onPick: (symbol: string) => void): Promise<void> {
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
      b.addEventListener('click', () => onPick(i.symbol));
      li.append(b);
      return li;
    }),
  );
}
