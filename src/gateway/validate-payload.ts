import { MODES, type TickMode } from '../kite/kite.constants.js';
import type { AckError } from '../contracts/socket-protocol.contract.js';

/** A token, or EXCHANGE:SYMBOL where the symbol may hold single inner spaces (`NSE:NIFTY 50`). */
const INSTRUMENT = /^(\d{1,10}|[A-Za-z]{2,10}:[^\s:]+(?: [^\s:]+)*)$/;
const MAX_INSTRUMENT_LENGTH = 64;

export const ackError = (code: string, message: string): AckError => ({
  ok: false,
  error: { code, message },
});

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  !Buffer.isBuffer(v) &&
  !ArrayBuffer.isView(v) &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** Validates `{instruments, mode?}` (subscribe) or `{instruments}` (unsubscribe); never throws. */
export function validateInstrumentsPayload(
  payload: unknown,
  allowMode: boolean,
  maxInstruments: number,
): { ok: true; instruments: (string | number)[]; mode: TickMode } | AckError {
  if (!isPlainObject(payload)) {
    return ackError('invalid_payload', 'payload must be an object {instruments: [...]}');
  }
  const allowed = allowMode ? ['instruments', 'mode'] : ['instruments'];
  const unknown = Object.keys(payload).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    return ackError(
      'unknown_field',
      `unknown field(s): ${unknown
        .slice(0, 5)
        .map((k) => k.slice(0, 32))
        .join(', ')}`,
    );
  }
  const list = payload.instruments;
  if (!Array.isArray(list)) return ackError('invalid_instruments', 'instruments must be an array');
  if (list.length === 0) return ackError('invalid_instruments', 'instruments must not be empty');
  if (list.length > maxInstruments) {
    return ackError('too_many_instruments', `at most ${maxInstruments} instruments per request`);
  }
  for (const i of list) {
    const ok =
      (typeof i === 'number' && Number.isInteger(i) && i > 0 && i <= 0xffffffff) ||
      (typeof i === 'string' && i.length <= MAX_INSTRUMENT_LENGTH && INSTRUMENT.test(i));
    if (!ok) {
      return ackError(
        'invalid_instruments',
        'each instrument must be "EXCHANGE:SYMBOL" or an instrument token',
      );
    }
  }
  let mode: TickMode = 'quote';
  if (allowMode && payload.mode !== undefined) {
    if (!MODES.includes(payload.mode as TickMode)) {
      return ackError('invalid_mode', 'mode must be ltp, quote or full');
    }
    mode = payload.mode as TickMode;
  }
  return { ok: true, instruments: list as (string | number)[], mode };
}
