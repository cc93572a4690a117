import { nextIstTime } from '../clock/ist.js';
import { KITE_EXPIRY_HOUR_IST } from './auth.constants.js';

/** The first 06:00 IST strictly after `loginAt` (epoch ms): when Kite expires the token. */
export function kiteTokenExpiry(loginAt: number): number {
  return nextIstTime(loginAt, KITE_EXPIRY_HOUR_IST);
}

/** Parses JWT_TTL (`30m`, `12h`, `7d`, or seconds) into seconds. */
export function durationSeconds(text: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`invalid duration: ${text}`);
  const n = Number(m[1]);
  return n * ({ s: 1, m: 60, h: 3600, d: 86400 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}
