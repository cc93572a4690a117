import type { Role } from './auth.constants.js';

import { SCOPES, type Scope } from '../contracts/tokens.contract.js';

export { SCOPES, type Scope } from '../contracts/tokens.contract.js';

/** The claims that decide a scope (a verified Principal has them all). */
export interface ScopedClaims {
  sub: string;
  role: Role;
  scopes?: readonly string[];
}

/** The sub prefix of every invite viewer (`invite:<name>.<id>`); no other token may carry it. */
export const INVITE_SUB_PREFIX = 'invite:';

/**
 * Whether a token may receive the account's order updates: an admin always; a viewer only with the
 * `orders` scope; an invite viewer never, whatever its claims say. The one rule for every protocol
 * that forwards order updates (Socket.IO `order_update`, Kite-protocol text frames).
 */
export function canSeeOrders(claims: ScopedClaims): boolean {
  if (claims.sub.startsWith(INVITE_SUB_PREFIX)) return false;
  if (claims.role === 'admin') return true;
  return claims.scopes?.includes('orders') === true;
}

/**
 * The `scopes` of a mint request: absent or an array of known scope names (deduplicated, sorted).
 * A string is the problem, phrased for a 400 or a CLI error.
 */
export function parseScopes(value: unknown): Scope[] | string {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > SCOPES.length * 4) {
    return `scopes must be an array of scope names (known: ${SCOPES.join(', ')})`;
  }
  const out = new Set<Scope>();
  for (const s of value) {
    if (!SCOPES.includes(s as Scope)) {
      return `unknown scope ${JSON.stringify(typeof s === 'string' ? s.slice(0, 32) : s)}; known scopes: ${SCOPES.join(', ')}`;
    }
    out.add(s as Scope);
  }
  return [...out].sort();
}

/** The scopes of verified claims: only known names survive (a claim is signed, but checked anyway). */
export function scopesClaim(value: unknown): Scope[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const known = value.filter((s): s is Scope => SCOPES.includes(s as Scope));
  return known.length > 0 ? known : undefined;
}
