import type { Tick } from '../kite/tick.js';

/** How long a tick seeded from the cache waits for its frame: far more than pub/sub ever lags, less than a day's volume reset. */
const EXPECT_MS = 5_000;

/**
 * Remembers the last tick delivered per instrument on this node, and when (clock time): the
 * snapshot a new subscriber gets, read in the same turn as its join, so it is never a tick the
 * live flow also delivers. When asked, drops a tick equal to the last one: after an upstream
 * takeover the new holder's first frames can repeat what the old one already delivered.
 */
export class RepeatFilter {
  private readonly last = new Map<number, { tick: Tick; at: number }>();
  /**
   * Ticks a client already got from the shared cache before this node's copy of their frame came:
   * that frame, and any older one still on its way, are dropped when they come.
   */
  private readonly expected = new Map<number, { tick: Tick; at: number }>();

  /** Records `ticks` as delivered at `at`; with `dropRepeats`, first removes those equal to the last one delivered. */
  pass(ticks: Tick[], dropRepeats: boolean, at: number): Tick[] {
    let out = dropRepeats ? ticks.filter((t) => !same(this.last.get(t.instrument_token)?.tick, t)) : ticks;
    if (this.expected.size > 0) out = out.filter((t) => !this.wasExpected(t, at));
    for (const tick of out) this.last.set(tick.instrument_token, { tick, at });
    return out;
  }

  /**
   * A tick served from the shared cache (another node cached it), newer than anything this node
   * delivered for the instrument: it counts as delivered, and the frames that carry it or older
   * ticks, if they arrive after all (this node's copy of the stream lags the holder's cache), are dropped.
   * False when this node delivered something newer: the cached tick must not be served.
   */
  seed(tick: Tick, at: number): boolean {
    const known = this.last.get(tick.instrument_token);
    if (known && same(known.tick, tick)) return true;
    if (known && known.at >= at) return false;
    this.last.set(tick.instrument_token, { tick, at });
    this.expected.set(tick.instrument_token, { tick, at });
    return true;
  }

  private wasExpected(t: Tick, now: number): boolean {
    const e = this.expected.get(t.instrument_token);
    if (!e) return false;
    // Kite's day volume only grows: a lower one is an older tick. Without volumes (indices) the next
    // tick ends the wait; so does a lag longer than any frame takes between nodes.
    const older = t.volume !== undefined && e.tick.volume !== undefined && t.volume < e.tick.volume;
    if (older && now - e.at <= EXPECT_MS) return true;
    this.expected.delete(t.instrument_token);
    return same(e.tick, t);
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
