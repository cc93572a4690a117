export type { AuthState, AuthStatus } from '../contracts/session.contract.js';

/** The Kite session. The access token never leaves this process except to Kite. */
export interface KiteSession {
  accessToken: string;
  userId: string;
  userName: string;
  loginTime: number;
  expiresAt: number;
}
