export type AuthState = 'UNAUTHENTICATED' | 'AUTHENTICATED' | 'EXPIRED';

/** What `/api/auth/status` and `/api/admin/session` show of the Kite session: never the token. */
export interface AuthStatus {
  state: AuthState;
  user_id?: string;
  user_name?: string;
  login_time?: string;
  expires_at?: string;
}
