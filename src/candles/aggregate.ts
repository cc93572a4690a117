import { bucketStart, MINUTE_MS, type Candle } from './candle.js';

/**
 * Folds one-minute candles (time order) into `size`-ms candles aligned to IST clock time: open of
 * the first, close of the last, extremes and summed volume. A bucket without minutes gets no candle.
 */
export function aggregate(minutes: readonly Candle[], size: number): Candle[] {
  if (size === MINUTE_MS) return minutes.map((c) => ({ ...c }));
  const out: Candle[] = [];
  let cur: Candle | undefined;
  for (const m of minutes) {
    const t = bucketStart(m.t, size);
    if (cur?.t === t) {
      if (m.h > cur.h) cur.h = m.h;
      if (m.l < cur.l) cur.l = m.l;
      cur.c = m.c;
      cur.v += m.v;
    } else {
      cur = { t, o: m.o, h: m.h, l: m.l, c: m.c, v: m.v };
      out.push(cur);
    }
  }
  return out;
}
