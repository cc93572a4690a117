import type { Tick } from '../kite/tick.js';

/**
 * Remembers the last tick delivered per instrument on this node, and when (clock time): the
 * snapshot a new subscriber gets, read in the same turn as its join, so it is never a tick the
 * live flow also delivers. When asked, drops a tick equal to the last one: after an upstream
 * takeover the new holder's first frames can repeat what the old one already delivered.
 */
export class RepeatFilter {
  private readonly last = new Map<number, { tick: Tick; at: number }>();
  /** Ticks a client already got from the shared cache before this node saw them: each is dropped once if it comes. */
  private readonly expected = new Map<number, Tick>();

  /** Records `ticks` as delivered at `at`; with `dropRepeats`, first removes those equal to the last one delivered. */
  pass(ticks: Tick[], dropRepeats: boolean, at: number): Tick[] {
    let out = dropRepeats ? ticks.filter((t) => !same(this.last.get(t.instrument_token)?.tick, t)) : ticks;
    if (this.expected.size > 0) out = out.filter((t) => !this.wasExpected(t));
    for (const tick of out) this.last.set(tick.instrument_token, { tick, at });
    return out;
  }

  /**
   * A tick served from the shared cache (another node cached it) for an instrument this node has not
   * ticked yet: it counts as delivered, and if the frame carrying it arrives after all, it is dropped.
   */
  seed(tick: Tick, at: number): void {
    if (this.last.has(tick.instrument_token)) return;
    this.last.set(tick.instrument_token, { tick, at });
    this.expected.set(tick.instrument_token, tick);
  }

  private wasExpected(t: Tick): boolean {
    const e = this.expected.get(t.instrument_token);
    if (!e) return false;
    this.expected.delete(t.instrument_token);
    return same(e, t);
  }

  /** The last tick delivered for `token` and when, if any. */
  latest(token: number): { tick: Tick; at: number } | undefined {
    return this.last.get(token);
  }

  clear(): void {
    this.last.clear();
    this.expected.clear();
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
