import { randomBytes } from 'node:crypto';

const REQUEST_TOKEN_TTL_MS = 5 * 60_000;

/** The simulator's login state: request tokens awaiting exchange and live access tokens. */
export class Sessions {
  private readonly requestTokens = new Map<string, number>();
  private readonly accessTokens = new Set<string>();

  constructor(private readonly now: () => number) {}

  issueRequestToken(): string {
    const token = randomBytes(12).toString('hex');
    this.requestTokens.set(token, this.now() + REQUEST_TOKEN_TTL_MS);
    return token;
  }

  /** Spends a request token; false when unknown, already spent or expired. */
  redeemRequestToken(token: string): boolean {
    const expiry = this.requestTokens.get(token);
    if (expiry === undefined || expiry < this.now()) return false;
    this.requestTokens.delete(token);
    return true;
  }

  issueAccessToken(): string {
    const token = randomBytes(16).toString('hex');
    this.accessTokens.add(token);
    return token;
  }

  isValid(accessToken: string): boolean {
    return this.accessTokens.has(accessToken);
  }

  revoke(accessToken: string): void {
    this.accessTokens.delete(accessToken);
  }

  clear(): void {
    this.accessTokens.clear();
    this.requestTokens.clear();
  }
}
