/**
 * Per-token limits: a minted token may carry narrower limits than the deployment's per-user
 * defaults. Written once here; every protocol (Socket.IO /market, the Kite-protocol ticker and
 * REST routes) asks `effectiveLimits` for the caps and `exchangeRefusal` for each instrument.
 */

/** Kite's exchanges (the `exchange` column of the instrument master). */
export const EXCHANGES = ['NSE', 'BSE', 'NFO', 'BFO', 'CDS', 'BCD', 'MCX', 'NCO'] as const;

import type { TokenLimits } from '../contracts/tokens.contract.js';

export type { TokenLimits } from '../contracts/tokens.contract.js';

/** The deployment's per-user defaults (MAX_CONNECTIONS_PER_USER, MAX_INSTRUMENTS_PER_USER). */
export interface LimitDefaults {
  maxConnections: number;
  maxInstruments: number;
}

/** What applies to one token: never more than the defaults. */
export interface EffectiveLimits {
  maxConnections: number;
  maxInstruments: number;
  /** Undefined: every exchange. */
  exchanges?: ReadonlySet<string>;
}

/** The limits of a token's claims (a Principal's `limits`) over the defaults. */
export function effectiveLimits(limits: TokenLimits | undefined, defaults: LimitDefaults): EffectiveLimits {
  return {
    maxConnections: Math.min(defaults.maxConnections, limits?.max_connections ?? Infinity),
    maxInstruments: Math.min(defaults.maxInstruments, limits?.max_instruments ?? Infinity),
    exchanges: limits?.exchanges ? new Set(limits.exchanges) : undefined,
  };
}

/**
 * Why a token may not have an instrument of `symbol` (`EXCHANGE:TRADINGSYMBOL`, undefined when the
 * master does not know it): `exchange_not_allowed`, or undefined when it may.
 */
export function exchangeRefusal(
  limits: TokenLimits | undefined,
  symbol: string | undefined,
): 'exchange_not_allowed' | undefined {
  if (!limits?.exchanges) return undefined;
  const exchange = symbol?.slice(0, symbol.indexOf(':'));
  return exchange && limits.exchanges.includes(exchange) ? undefined : 'exchange_not_allowed';
}

/**
 * The limits of a mint request (`max_connections`, `max_instruments`, `exchanges`, each optional),
 * each no wider than the defaults; undefined when none is asked for. A string is the problem.
 */
export function parseTokenLimits(
  body: Record<string, unknown>,
  defaults: LimitDefaults,
): TokenLimits | undefined | string {
  const out: TokenLimits = {};
  const whole = (key: 'max_connections' | 'max_instruments', max: number, env: string) => {
    const v = body[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      return `${key} must be a whole number from 1 to ${max} (${env}; a token's limit can only be narrower)`;
    }
    out[key] = v;
    return undefined;
  };
  const problem =
    whole('max_connections', defaults.maxConnections, 'MAX_CONNECTIONS_PER_USER') ??
    whole('max_instruments', defaults.maxInstruments, 'MAX_INSTRUMENTS_PER_USER');
  if (problem) return problem;
  const ex = body.exchanges;
  if (ex !== undefined) {
    const known = EXCHANGES as readonly string[];
    if (!Array.isArray(ex) || ex.length === 0 || ex.length > known.length * 2) {
      return `exchanges must be a non-empty array of exchange names (${known.join(', ')})`;
    }
    for (const e of ex) {
      if (typeof e !== 'string' || !known.includes(e)) {
        return `unknown exchange ${JSON.stringify(typeof e === 'string' ? e.slice(0, 16) : e)}; known: ${known.join(', ')}`;
      }
    }
    out.exchanges = [...new Set(ex as string[])].sort();
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The `limits` claim of a verified token; undefined when absent. Malformed: `false` (refuse the token). */
export function limitsClaim(value: unknown): TokenLimits | undefined | false {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  const out: TokenLimits = {};
  for (const key of ['max_connections', 'max_instruments'] as const) {
    if (v[key] === undefined) continue;
    const n = v[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return false;
    out[key] = n;
  }
  if (v.exchanges !== undefined) {
    if (!Array.isArray(v.exchanges) || !v.exchanges.every((e) => typeof e === 'string')) return false;
    out.exchanges = v.exchanges;
  }
  return out;
}
