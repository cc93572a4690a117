/** An invite as the service keeps it (never its code: `hash` is sha256 of it). Times are epoch ms. */
export interface Invite {
  id: string;
  /** The person it is for, as the admin wrote it. */
  name: string;
  /** The subject of the token it is exchanged for. */
  sub: string;
  /** The subject of the admin token that created it. */
  createdBy: string;
  /** The id of the token that created it: revoking that one revokes the invite while unused. */
  parent?: string;
  /** Whom the invitee is told to ask for a new link (never a Kite user id). */
  ask?: string;
  createdAt: number;
  expiresAt: number;
  hash: string;
  /** The code can still be exchanged (not used, not revoked). */
  live: boolean;
  usedAt?: number;
  tokenId?: string;
  revokedAt?: number;
}

/**
 * Where invites live: Redis (`redis/invite.store.ts`, every node sees the same) or this node's
 * memory (`desk/memory-invites.ts`). desk/ is given one by injection.
 */
export interface InviteBackend {
  create(invite: Invite, keepUntil: number): Promise<void>;
  get(id: string): Promise<Invite | undefined>;
  /** The invites that have not expired at `now`. */
  list(now: number): Promise<Invite[]>;
  /**
   * Spends the code, atomically: `ok` for exactly one caller of a live invite whose hash matches,
   * `spent` once used or revoked, `unknown` for no such invite or another hash.
   */
  consume(id: string, hash: string): Promise<'ok' | 'spent' | 'unknown'>;
  /** Records the token a spent code was exchanged for; true when the invite was revoked meanwhile. */
  markUsed(id: string, tokenId: string, at: number): Promise<boolean>;
  /**
   * Revokes the invite and spends its code. `first`: this call revoked it (not an earlier one);
   * `tokenId`: the token it was exchanged for, if it was.
   */
  revoke(id: string, at: number): Promise<{ first: boolean; tokenId?: string }>;
}
