export const SESSION_COOKIE = 'kr_session';
export const STATE_COOKIE = 'kr_login_state';
export const STATE_TTL_MS = 10 * 60_000;

export { ROLES, type Role } from '../contracts/tokens.contract.js';

/** Kite access tokens expire at about 06:00 IST. */
export const KITE_EXPIRY_HOUR_IST = 6;
