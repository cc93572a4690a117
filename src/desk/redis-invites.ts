import { errorText } from '../common/error-text.js';
import { InviteStore } from '../redis/invite.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { InvitesUnavailableError, type Invite, type InviteBackend } from './invite.js';

/** The immutable part of an invite, as stored in its `record` field. */
interface StoredRecord {
  name: string;
  sub: string;
  by: string;
  par?: string;
  ask?: string;
  iat: number;
  exp: number;
}

/**
 * Invites in Redis, shared by every node: a code can be spent once in the whole cluster. While
 * Redis does not answer, nothing is read or spent (InvitesUnavailableError), rather than risk a
 * second use from a node's memory.
 */
export class RedisInvites implements InviteBackend {
  constructor(
    private readonly store: InviteStore,
    private readonly redis: RedisClients,
  ) {}

  create(i: Invite, keepUntil: number): Promise<void> {
    const record: StoredRecord = {
      name: i.name,
      sub: i.sub,
      by: i.createdBy,
      par: i.parent,
      ask: i.ask,
      iat: i.createdAt,
      exp: i.expiresAt,
    };
    return this.run(() => this.store.create(i.id, JSON.stringify(record), i.hash, i.expiresAt, keepUntil));
  }

  get(id: string): Promise<Invite | undefined> {
    return this.run(async () => parse(id, await this.store.read(id)));
  }

  list(now: number): Promise<Invite[]> {
    return this.run(async () => {
      const ids = await this.store.unexpiredIds(now);
      const all = await this.store.readMany(ids);
      return ids.map((id, n) => parse(id, all[n])).filter((i): i is Invite => i !== undefined);
    });
  }

  consume(id: string, hash: string): Promise<'ok' | 'spent' | 'unknown'> {
    return this.run(async () => {
      const r = await this.store.consume(id, hash);
      return r === 1 ? 'ok' : r === 2 ? 'spent' : 'unknown';
    });
  }

  markUsed(id: string, tokenId: string, at: number): Promise<boolean> {
    return this.run(async () => (await this.store.markUsed(id, tokenId, at)) !== null);
  }

  revoke(id: string, at: number): Promise<{ first: boolean; tokenId?: string }> {
    return this.run(async () => {
      const r = await this.store.revoke(id, at);
      return { first: r.first, tokenId: r.tokenId ?? undefined };
    });
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.redis.up) throw new InvitesUnavailableError('Redis is not answering');
    try {
      return await fn();
    } catch (err) {
      this.redis.reportFailure(`invite store: ${errorText(err)}`);
      throw new InvitesUnavailableError(errorText(err));
    }
  }
}

function parse(id: string, f: Record<string, string> | undefined): Invite | undefined {
  if (!f?.record || !f.hash) return undefined;
  try {
    const r = JSON.parse(f.record) as Partial<StoredRecord>;
    if (typeof r.name !== 'string' || typeof r.sub !== 'string' || typeof r.by !== 'string') return undefined;
    if (typeof r.iat !== 'number' || typeof r.exp !== 'number') return undefined;
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    return {
      id,
      name: r.name,
      sub: r.sub,
      createdBy: r.by,
      parent: typeof r.par === 'string' ? r.par : undefined,
      ask: typeof r.ask === 'string' ? r.ask : undefined,
      createdAt: r.iat,
      expiresAt: r.exp,
      hash: f.hash,
      live: f.live === '1',
      usedAt: num(f.used_at),
      tokenId: f.token_id,
      revokedAt: num(f.revoked_at),
    };
  } catch {
    return undefined;
  }
}
