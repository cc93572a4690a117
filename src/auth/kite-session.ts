export type AuthState = 'UNAUTHENTICATED' | 'AUTHENTICATED' | 'EXPIRED';

/** The Kite session. The access token never leaves this process except to Kite. */
export interface KiteSession {
  accessToken: string;
  userId: string;
  userName: string;
  loginTime: number;
  expiresAt: number;
}

/** What `/api/auth/status` shows: never the token. */
export interface AuthStatus {
  state: AuthState;
  user_id?: string;
  user_name?: string;
  login_time?: string;
  expires_at?: string;
}
