/** Roles, scopes and the token list as the HTTP API and the dashboard see them. */
export const ROLES = ['viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a token may see beyond market data. `orders`: the account's order updates. */
export const SCOPES = ['orders'] as const;
export type Scope = (typeof SCOPES)[number];

/** How a token came to be: `POST /api/admin/tokens`, the dashboard login, `npm run token`, or an invite link. */
export type TokenKind = 'api' | 'login' | 'cli' | 'invite';

/** The `limits` claim of a token, as signed (snake_case, like the API that mints it). */
export interface TokenLimits {
  max_connections?: number;
  max_instruments?: number;
  exchanges?: string[];
}

/** A registry entry as `GET /api/admin/tokens` shows it: never the token. */
export interface TokenView {
  id: string;
  sub: string;
  role: Role;
  kind: TokenKind;
  /** The id of the token that minted it; revoking that one revokes this one. */
  parent: string | null;
  scopes: Scope[];
  limits: TokenLimits | null;
  issued_at: string;
  expires_at: string;
  last_seen: string | null;
}
