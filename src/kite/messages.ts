import { MODES, type TickMode } from './kite.constants.js';

/** Client → Kite control messages (JSON text frames). */
export type ClientMessage =
  | { a: 'subscribe'; v: number[] }
  | { a: 'unsubscribe'; v: number[] }
  | { a: 'mode'; v: [TickMode, number[]] };

export const subscribeMessage = (tokens: number[]): string => JSON.stringify({ a: 'subscribe', v: tokens });
export const unsubscribeMessage = (tokens: number[]): string =>
  JSON.stringify({ a: 'unsubscribe', v: tokens });
export const modeMessage = (mode: TickMode, tokens: number[]): string =>
  JSON.stringify({ a: 'mode', v: [mode, tokens] });

const isTokenList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every((t) => Number.isInteger(t) && (t as number) > 0 && (t as number) <= 0xffffffff);

/** Parses a client control message; undefined when it is not one Kite accepts. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  const { a, v } = msg as { a?: unknown; v?: unknown };
  if ((a === 'subscribe' || a === 'unsubscribe') && isTokenList(v)) return { a, v };
  if (
    a === 'mode' &&
    Array.isArray(v) &&
    v.length === 2 &&
    MODES.includes(v[0] as TickMode) &&
    isTokenList(v[1])
  ) {
    return { a, v: [v[0] as TickMode, v[1]] };
  }
  return undefined;
}

/** Kite → client text frames. */
export type ServerTextMessage =
  { type: 'order'; data: unknown } | { type: 'error'; data: string } | { type: 'message'; data: string };

/** Parses a Kite text frame; undefined when it is malformed or of an unknown type. */
export function parseServerText(text: string): ServerTextMessage | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  const { type, data } = msg as { type?: unknown; data?: unknown };
  if (type === 'order') return { type, data };
  if ((type === 'error' || type === 'message') && typeof data === 'string') return { type, data };
  return undefined;
}
