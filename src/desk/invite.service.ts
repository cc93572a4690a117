import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { errorText } from '../common/error-text.js';
import { RelayEvents } from '../events/relay-events.js';
import { istIso } from '../clock/ist.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { Principal } from '../auth/token.service.js';
import { TokenService, type MintedToken } from '../auth/token.service.js';
import { TokenRegistry } from '../auth/token-registry.js';
import { MAX_TTL_S } from '../auth/token-ttl.js';
import type { Invite, InviteBackend } from '../contracts/invite-store.contract.js';
import { INVITE_BACKEND } from './desk.constants.js';
import { isInviteId, newInviteCode, parseInviteCode, sameHash } from './invite-code.js';
import { inviteSub, type InviteRequest } from './invite-input.js';

/** A used, expired or revoked invite is still explained for this long after its expiry. */
const KEEP_AFTER_EXPIRY_MS = 7 * 86400_000;

import type { InviteView } from '../contracts/desk.contract.js';

export type { InviteView } from '../contracts/desk.contract.js';

export type RefusalReason = 'used' | 'expired' | 'revoked' | 'unknown';

export type Redemption =
  { ok: true; invite: Invite; token: MintedToken } | { ok: false; reason: RefusalReason; ask?: string };

/**
 * Viewer invites: an admin creates one for a person; its one-time code is exchanged once for a
 * viewer token of kind `invite` that ends with the invite. Kept by the injected `InviteBackend`
 * (Redis when it is configured: one use in the whole cluster; else this node's memory).
 */
@Injectable()
export class InviteService implements OnModuleDestroy {
  private readonly logger = new Logger(InviteService.name);
  private readonly publicUrl: string;
  private readonly off: () => void;

  constructor(
    config: AppConfigService,
    @Inject(INVITE_BACKEND) private readonly backend: InviteBackend,
    private readonly tokens: TokenService,
    private readonly registry: TokenRegistry,
    events: RelayEvents,
  ) {
    this.publicUrl = config.values.publicUrl;
    const nodeId = config.values.nodeId;
    // The node that revokes a token revokes the unused invites it created (one node: no repeats).
    this.off = events.on('token.revoked', ({ origin, id, cascade }) => {
      if (origin !== nodeId || cascade === false) return;
      this.revokeCreatedBy(id).catch((err: unknown) =>
        this.logger.warn(`invites created by token ${id} not revoked yet: ${errorText(err)}`),
      );
    });
  }

  onModuleDestroy(): void {
    this.off();
  }

  /** Creates an invite; its link (with the code in the fragment) is returned once, here. */
  async create(
    req: InviteRequest,
    creator: Principal,
  ): Promise<{ id: string; url: string; expiresAt: number }> {
    const { id, code, hash } = newInviteCode();
    const now = Date.now();
    // Whole seconds, like a JWT's exp, so the invite never outlives the token that created it.
    const expiresAt = (Math.floor(now / 1000) + req.seconds) * 1000;
    const invite: Invite = {
      id,
      name: req.name,
      sub: inviteSub(req.name, id),
      createdBy: creator.sub,
      parent: creator.jti,
      ask: req.from ?? (await this.askable(creator)),
      createdAt: now,
      expiresAt,
      hash,
      live: true,
    };
    await this.backend.create(invite, expiresAt + KEEP_AFTER_EXPIRY_MS);
    this.logger.log(`invite ${id} for ${invite.sub} created by ${creator.sub}`);
    return { id, url: `${this.publicUrl}/invite#code=${code}`, expiresAt };
  }

  /** The live invites: unused, or used while their token lives; soonest expiry first. */
  async list(): Promise<InviteView[]> {
    const now = Date.now();
    const [invites, tokens] = await Promise.all([this.backend.list(now), this.registry.list()]);
    const live = new Map(tokens.map((t) => [t.id, t]));
    return invites
      .filter((i) => i.revokedAt === undefined && (i.live || !i.tokenId || live.has(i.tokenId)))
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .map((i) => {
        const t = i.tokenId ? live.get(i.tokenId) : undefined;
        const token = t && {
          id: t.id,
          expires_at: istIso(t.expiresAt),
          last_seen: t.lastSeen === undefined ? null : istIso(t.lastSeen),
        };
        return view(i, token ?? null);
      });
  }

  /** Revokes an unexpired invite: its code, and the token it was exchanged for. Undefined: none to revoke. */
  async revoke(id: string): Promise<InviteView | undefined> {
    if (!isInviteId(id)) return undefined;
    const now = Date.now();
    const invite = await this.backend.get(id);
    if (!invite || invite.revokedAt !== undefined || invite.expiresAt <= now) return undefined;
    const { first, tokenId } = await this.backend.revoke(id, now);
    if (!first) return undefined;
    // An exchange that spent the code before this call sees the revocation and revokes its own token.
    if (tokenId) await this.registry.revoke(tokenId);
    this.logger.log(`invite ${id} for ${invite.sub} revoked${tokenId ? `, and its token ${tokenId}` : ''}`);
    return view({ ...invite, live: false, tokenId, revokedAt: now }, null);
  }

  /** Exchanges a code for a viewer token, once. */
  async redeem(code: unknown): Promise<Redemption> {
    const parsed = parseInviteCode(code);
    if (!parsed) return { ok: false, reason: 'unknown' };
    const invite = await this.backend.get(parsed.id);
    if (!invite || !sameHash(invite.hash, parsed.hash)) return { ok: false, reason: 'unknown' };
    const refuse = (reason: RefusalReason): Redemption => ({ ok: false, reason, ask: invite.ask });
    if (invite.revokedAt !== undefined) return refuse('revoked');
    if (invite.parent && this.registry.isRevoked(invite.parent)) return refuse('revoked');
    if (!invite.live) return refuse('used');
    if (invite.expiresAt <= Date.now()) return refuse('expired');
    const spent = await this.backend.consume(parsed.id, parsed.hash);
    if (spent !== 'ok') {
      const now = await this.backend.get(parsed.id);
      return refuse(now?.revokedAt !== undefined ? 'revoked' : 'used');
    }
    // The token ends with the invite (whole seconds, never past it), and whatever a stored expiry
    // says, never lives past 30 days nor past the token that created the invite.
    const seconds = Math.min(
      Math.floor((invite.expiresAt - Date.now()) / 1000),
      MAX_TTL_S,
      await this.parentLeft(invite.parent),
    );
    if (seconds < 1) return refuse('expired');
    const token = this.tokens.mint(invite.sub, 'viewer', `${seconds}s`, 'invite', { parent: invite.parent });
    await token.stored;
    // Written before the revocation is read: a concurrent revoke either sees this token or is seen here.
    if (await this.backend.markUsed(invite.id, token.id, Date.now())) {
      await this.registry.revoke(token.id);
      return refuse('revoked');
    }
    this.logger.log(`invite ${invite.id} for ${invite.sub} used: token ${token.id}`);
    return { ok: true, invite, token };
  }

  /** Whole seconds the token that created an invite has left (its registry entry); no limit when unknown. */
  private async parentLeft(parent: string | undefined): Promise<number> {
    const entry = parent ? await this.registry.find(parent) : undefined;
    return entry ? Math.floor((entry.expiresAt - Date.now()) / 1000) : Number.POSITIVE_INFINITY;
  }

  /** Revokes the unused invites that the token `tokenId` created (a revocation's cascade). */
  private async revokeCreatedBy(tokenId: string): Promise<void> {
    const now = Date.now();
    for (const i of await this.backend.list(now)) {
      if (i.parent === tokenId && i.live && i.revokedAt === undefined) await this.revoke(i.id);
    }
  }

  /**
   * Whom a refused invitee may be told to ask by default: the creator's subject, unless it is a Kite
   * login's (the Kite user id, which a viewer must never learn) or cannot be told apart from one.
   */
  private async askable(creator: Principal): Promise<string | undefined> {
    const entry = creator.jti ? await this.registry.find(creator.jti) : undefined;
    return entry && entry.kind !== 'login' ? creator.sub : undefined;
  }
}

function view(i: Invite, token: InviteView['token']): InviteView {
  return {
    id: i.id,
    name: i.name,
    sub: i.sub,
    state: i.revokedAt !== undefined ? 'revoked' : i.live ? 'unused' : 'used',
    created_by: i.createdBy,
    ask: i.ask ?? null,
    created_at: istIso(i.createdAt),
    expires_at: istIso(i.expiresAt),
    used_at: i.usedAt === undefined ? null : istIso(i.usedAt),
    token,
  };
}
