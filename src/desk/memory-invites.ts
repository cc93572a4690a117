import type { Invite, InviteBackend } from '../contracts/invite-store.contract.js';
import { sameHash } from './invite-code.js';

/** Invites in this node's memory (no REDIS_URL). Each method runs in one turn, so spending is atomic. */
export class MemoryInvites implements InviteBackend {
  private readonly invites = new Map<string, { invite: Invite; keepUntil: number }>();

  async create(invite: Invite, keepUntil: number): Promise<void> {
    this.forgetOld(Date.now());
    this.invites.set(invite.id, { invite: { ...invite }, keepUntil });
  }

  async get(id: string): Promise<Invite | undefined> {
    const e = this.invites.get(id);
    return e && e.keepUntil > Date.now() ? { ...e.invite } : undefined;
  }

  async list(now: number): Promise<Invite[]> {
    this.forgetOld(now);
    return [...this.invites.values()].filter((e) => e.invite.expiresAt > now).map((e) => ({ ...e.invite }));
  }

  async consume(id: string, hash: string): Promise<'ok' | 'spent' | 'unknown'> {
    const invite = this.invites.get(id)?.invite;
    if (!invite || !sameHash(invite.hash, hash)) return 'unknown';
    if (!invite.live) return 'spent';
    invite.live = false;
    return 'ok';
  }

  async markUsed(id: string, tokenId: string, at: number): Promise<boolean> {
    const invite = this.invites.get(id)?.invite;
    if (!invite) return true;
    invite.usedAt = at;
    invite.tokenId = tokenId;
    return invite.revokedAt !== undefined;
  }

  async revoke(id: string, at: number): Promise<{ first: boolean; tokenId?: string }> {
    const invite = this.invites.get(id)?.invite;
    if (!invite) return { first: false };
    const first = invite.revokedAt === undefined;
    invite.revokedAt ??= at;
    invite.live = false;
    return { first, tokenId: invite.tokenId };
  }

  private forgetOld(now: number): void {
    for (const [id, e] of this.invites) if (e.keepUntil <= now) this.invites.delete(id);
  }
}
