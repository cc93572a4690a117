/** One chart bar: `time` in epoch seconds of its minute's start, as lightweight-charts wants it. */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** The chart's last bar and the cumulative day volume of the last tick applied. */
export interface LiveCandle {
  last?: Bar;
  cum?: number;
}

const IST_OFFSET_S = 19_800;

/** Start (epoch seconds) of the IST minute holding `ms`: the server's rule. */
export function minuteOf(ms: number): number {
  const local = Math.floor(ms / 1000) + IST_OFFSET_S;
  return local - (local % 60) - IST_OFFSET_S;
}

/**
 * Applies a tick received at `nowMs` (server time) the way the server builds candles: a new minute
 * opens a bar at the price, the same minute moves close, high and low; volume is the change of the
 * cumulative day volume since the previous tick (the first one only sets the baseline).
 */
export function applyTick(state: LiveCandle, price: number, volume: number | undefined, nowMs: number): Bar {
  let dv = 0;
  if (volume !== undefined) {
    if (state.cum !== undefined && volume > state.cum) dv = volume - state.cum;
    state.cum = volume;
  }
  const time = minuteOf(nowMs);
  const last = state.last;
  if (!last || time > last.time) {
    state.last = { time, open: price, high: price, low: price, close: price, volume: dv };
  } else {
    // A tick for an older minute (clock skew) lands in the last bar, as on the server.
    state.last = {
      ...last,
      high: Math.max(last.high, price),
      low: Math.min(last.low, price),
      close: price,
      volume: last.volume + dv,
    };
  }
  return state.last;
}
