/** Kite ticker protocol constants (see shared/KITE.md). */
export const PACKET_LTP = 8;
export const PACKET_INDEX_QUOTE = 28;
export const PACKET_INDEX_FULL = 32;
export const PACKET_QUOTE = 44;
export const PACKET_FULL = 184;

export const SEGMENT_NSE_CD = 3;
export const SEGMENT_BSE_CD = 6;
export const SEGMENT_INDICES = 9;

export const DIVISOR_DEFAULT = 100;
export const DIVISOR_NSE_CD = 10_000_000;
export const DIVISOR_BSE_CD = 10_000;

export const DEPTH_OFFSET = 64;
export const DEPTH_ENTRY = 12;
export const DEPTH_LEVELS = 5;

export const MAX_INSTRUMENTS_PER_CONNECTION = 3000;
export const MAX_CONNECTIONS_PER_KEY = 3;

/** IST is UTC+05:30 all year (tick times are formatted in IST). */
export const IST_OFFSET_MS = 19_800_000;

export const MODES = ['ltp', 'quote', 'full'] as const;
export type TickMode = (typeof MODES)[number];

/** Ordering of modes: a subscriber of a lower mode can be served from a higher one. */
export const MODE_RANK: Readonly<Record<TickMode, number>> = { ltp: 0, quote: 1, full: 2 };

/** The exchange segment an instrument token carries in its low byte. */
export function segmentOf(token: number): number {
  return token & 0xff;
}

/** Indices (segment 9) are not tradable and have their own packet layouts. */
export function isIndex(token: number): boolean {
  return segmentOf(token) === SEGMENT_INDICES;
}

export function divisorOf(token: number): number {
  const segment = segmentOf(token);
  return segment === SEGMENT_NSE_CD
    ? DIVISOR_NSE_CD
    : segment === SEGMENT_BSE_CD
      ? DIVISOR_BSE_CD
      : DIVISOR_DEFAULT;
}

/**
 * Kite allows about one quote request a second (of up to 500 instruments) per API key. The slot is
 * 10 % longer than that: a call that leaves its node a few ms late (a cache read, the HTTP request)
 * would otherwise reach Kite under a second after the one before (979-987 ms seen under test load).
 */
export const QUOTE_CALL_GAP_MS = 1100;
