import type { Tick } from '../kite/tick.js';

/**
 * Remembers the last tick delivered per instrument on this node, and when (clock time): the
 * snapshot a new subscriber gets, read in the same turn as its join, so it is never a tick the
 * live flow also delivers. When asked, drops a tick equal to the last one: after an upstream
 * takeover the new holder's first frames can repeat what the old one already delivered.
 */
export class RepeatFilter {
  private readonly last = new Map<number, { tick: Tick; at: number }>();

  /** Records `ticks` as delivered at `at`; with `dropRepeats`, first removes those equal to the last one delivered. */
  pass(ticks: Tick[], dropRepeats: boolean, at: number): Tick[] {
    const out = dropRepeats ? ticks.filter((t) => !same(this.last.get(t.instrument_token)?.tick, t)) : ticks;
    for (const tick of out) this.last.set(tick.instrument_token, { tick, at });
    return out;
  }

  /** The last tick delivered for `token` and when, if any. */
  latest(token: number): { tick: Tick; at: number } | undefined {
    return this.last.get(token);
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
