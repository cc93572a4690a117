import { IST_OFFSET_MS } from './kite.constants.js';

let lastSeconds = -1;
let lastText = '';

/**
 * Formats unix seconds as ISO-8601 in IST (`2021-07-05T10:41:27+05:30`), or null for 0, as Kite's
 * tick times read. Ticks of one frame share their second, so the last result is kept.
 */
export function istFromUnixSeconds(seconds: number): string | null {
  if (seconds === 0) return null;
  if (seconds !== lastSeconds) {
    lastText = new Date(seconds * 1000 + IST_OFFSET_MS).toISOString().slice(0, 19) + '+05:30';
    lastSeconds = seconds;
  }
  return lastText;
}
