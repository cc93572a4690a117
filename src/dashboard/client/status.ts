import { $ } from './dom.js';
import { duration, statusLabel, tickAge } from './format.js';
import { serverNow, store } from './state.js';

const STALE_MS = 5000;

/** Market status, feed state and tick age in the header, redrawn from the store. */
export function startStatus(): void {
  store.subscribe((now, before) => {
    if (now.market !== before.market && now.market) {
      const m = now.market;
      const el = $('market');
      el.dataset.status = m.status;
      el.textContent = `NSE ${statusLabel(m.status)}${m.reason ? ` (${m.reason})` : ''}`;
      updateClock();
    }
    if (now.feed !== before.feed && now.feed) {
      const el = $('feed');
      el.dataset.state = now.feed.state;
      el.textContent = `feed ${statusLabel(now.feed.state)}`;
    }
  });
  setInterval(updateClock, 250);
}

function updateClock(): void {
  const { market, feed, lastTickAt } = store.get();
  if (market) {
    const left = Date.parse(market.next_change_at) - serverNow();
    $('market-next').textContent = `${statusLabel(market.next_status)} in ${duration(left)}`;
  }
  const age = $('tick-age');
  age.textContent = tickAge(lastTickAt, Date.now());
  age.classList.toggle(
    'stale',
    lastTickAt !== 0 &&
      Date.now() - lastTickAt > STALE_MS &&
      feed?.state === 'LIVE' &&
      market?.status === 'LIVE',
  );
}
