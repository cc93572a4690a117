import { MODES, type TickMode } from '../kite/kite.constants.js';

/** A Kite ticker client message, checked: `subscribe` / `unsubscribe` tokens, or a `mode` change. */
export type ClientMessage =
  | { ok: true; a: 'subscribe' | 'unsubscribe'; tokens: number[] }
  | { ok: true; a: 'mode'; mode: TickMode; tokens: number[] }
  | { ok: false; reason: MessageErrorReason; message: string };

export type MessageErrorReason = 'malformed_json' | 'unknown_action' | 'invalid_value';

/** Longer than any message a client needs: 3,000 ten-digit tokens with commas fit in 36 KB. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
const MAX_TOKENS = 3000;

const fail = (reason: MessageErrorReason, message: string): ClientMessage => ({ ok: false, reason, message });

const isToken = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 0xffffffff;

function tokensOf(v: unknown): number[] | string {
  if (!Array.isArray(v)) return 'must be an array of instrument tokens';
  if (v.length === 0) return 'must not be empty';
  if (v.length > MAX_TOKENS) return `may hold at most ${MAX_TOKENS} instrument tokens`;
  if (!v.every(isToken)) return 'must hold instrument tokens (positive integers)';
  return [...new Set(v)];
}

/**
 * Parses one text frame of Kite's ticker protocol: `{"a":"subscribe","v":[…]}`,
 * `{"a":"unsubscribe","v":[…]}` or `{"a":"mode","v":["ltp"|"quote"|"full",[…]]}`. Never throws; an
 * error carries a sentence for the client's `{"type":"error"}` frame.
 */
export function parseClientMessage(text: string): ClientMessage {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return fail('malformed_json', 'message is not JSON; send {"a":"subscribe","v":[408065]}');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return fail('malformed_json', 'message must be a JSON object {"a": …, "v": …}');
  }
  const { a, v } = msg as { a?: unknown; v?: unknown };
  if (a === 'subscribe' || a === 'unsubscribe') {
    const tokens = tokensOf(v);
    return typeof tokens === 'string'
      ? fail('invalid_value', `"${a}" value ${tokens}`)
      : { ok: true, a, tokens };
  }
  if (a === 'mode') {
    if (!Array.isArray(v) || v.length !== 2 || !MODES.includes(v[0] as TickMode)) {
      return fail('invalid_value', '"mode" value must be ["ltp"|"quote"|"full", [tokens]]');
    }
    const tokens = tokensOf(v[1]);
    if (typeof tokens === 'string') return fail('invalid_value', `"mode" tokens ${tokens}`);
    return { ok: true, a, mode: v[0] as TickMode, tokens };
  }
  const shown = typeof a === 'string' ? JSON.stringify(a.slice(0, 32)) : 'missing';
  return fail('unknown_action', `unknown action ${shown}; "a" must be subscribe, unsubscribe or mode`);
}

/** A text message as `ws` hands it over (one buffer, or fragments), as a string. */
export function rawText(data: Buffer | ArrayBuffer | Buffer[]): string {
  return Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as Buffer).toString('utf8');
}
