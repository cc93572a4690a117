import type { Tick } from '../kite/tick.js';

/**
 * Remembers the last tick delivered per instrument and, when asked, drops a tick equal to it: after
 * an upstream takeover the new holder's first frames can repeat what the old one already delivered.
 */
export class RepeatFilter {
  private readonly last = new Map<number, Tick>();

  /** Records `ticks` as delivered; with `dropRepeats`, first removes those equal to the last one delivered. */
  pass(ticks: Tick[], dropRepeats: boolean): Tick[] {
    const out = dropRepeats ? ticks.filter((t) => !same(this.last.get(t.instrument_token), t)) : ticks;
    for (const t of out) this.last.set(t.instrument_token, t);
    return out;
  }

  clear(): void {
    this.last.clear();
  }
}

function same(a: Tick | undefined, b: Tick): boolean {
  return (
    a !== undefined &&
    a.last_price === b.last_price &&
    a.volume === b.volume &&
    a.last_quantity === b.last_quantity &&
    a.buy_quantity === b.buy_quantity &&
    a.sell_quantity === b.sell_quantity &&
    a.timestamp === b.timestamp &&
    a.last_trade_time === b.last_trade_time &&
    a.mode === b.mode
  );
}
