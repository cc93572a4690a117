/** `GET /api/admin/limits`: the limits in force, keyed by their variable's name in lower case, and the cache's store right now. */
export interface LimitsView {
  limits: {
    max_connections_per_user: number;
    max_instruments_per_user: number;
    max_subscriptions_per_client: number;
    max_queued_quotes_per_user: number;
    api_rate_limit_per_minute: number;
    max_unauthenticated_per_address: number;
  };
  cache: { mode: 'redis' | 'memory' | 'memory fallback'; ttl_ms: number };
}

/** An invite as `GET /api/admin/invites` shows it: never its code. */
export interface InviteView {
  id: string;
  name: string;
  sub: string;
  state: 'unused' | 'used' | 'revoked';
  created_by: string;
  ask: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** The token the code was exchanged for (while it is live). */
  token: { id: string; expires_at: string; last_seen: string | null } | null;
}
