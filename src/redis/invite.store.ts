import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { errorText } from '../common/error-text.js';
import type { Invite, InviteBackend } from '../contracts/invite-store.contract.js';
import { ClusterKey } from './cluster-key.js';
import { expireAtMs } from './expiry.js';
import { decodeInvite, encodeInvite } from './invite-record.js';
import { RedisClients } from './redis-clients.js';

/** Spends a code: 1 for the one caller that deletes `live`, 2 once spent, 0 without the invite or with another hash. */
const CONSUME = `
local h = redis.call('HGET', KEYS[1], 'hash')
if not h or h ~= ARGV[1] then return 0 end
if redis.call('HDEL', KEYS[1], 'live') == 1 then return 1 end
return 2`;

/** Revokes an existing invite (never creates a key): {1 if this call revoked it, its token id or nil}. */
const REVOKE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, false} end
local first = redis.call('HSETNX', KEYS[1], 'revoked_at', ARGV[1])
redis.call('HDEL', KEYS[1], 'live')
return {first, redis.call('HGET', KEYS[1], 'token_id')}`;

/** Redis is configured but does not answer: invites cannot be read or spent safely right now. */
export class InvitesUnavailableError extends Error {}

/**
 * Invites in Redis, shared by every node: a code can be spent once in the whole cluster. While
 * Redis does not answer, nothing is read or spent (InvitesUnavailableError, after reporting the
 * failure to RedisClients), rather than risk a second use from a node's memory.
 *
 * `invite:<id>` is a hash: `record` (JSON, never the code: `invite-record.ts`), `hash` (sha256 of
 * the code), `mac` (of the id, record and hash under the cluster key: a planted or edited invite
 * reads as none), `live` (present while the code can be spent), `used_at`, `token_id`,
 * `revoked_at`; it expires some time after the invite. `invites` is a sorted set id → expiry (ms).
 */
@Injectable()
export class InviteStore implements InviteBackend {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  create(i: Invite, keepUntil: number): Promise<void> {
    return this.run(async () => {
      const [key, record] = [this.key(i.id), encodeInvite(i)];
      const now = Date.now();
      const [expires, keepUntilAt] = [expireAtMs(i.expiresAt, now), expireAtMs(keepUntil, now)];
      const mac = this.clusterKey.mac('invite', i.id, `${record}\n${i.hash}`);
      await this.client()
        .multi()
        .hset(key, { record, hash: i.hash, mac, live: '1' })
        .pexpireat(key, keepUntilAt)
        .zadd(this.index, expires, i.id)
        .exec();
    });
  }

  /** The invite; undefined when there is none, or when its seal does not hold. */
  get(id: string): Promise<Invite | undefined> {
    return this.run(async () => decodeInvite(id, this.sealed(id, await this.client().hgetall(this.key(id)))));
  }

  /** The invites that expire after `now`; the index forgets the others. */
  list(now: number): Promise<Invite[]> {
    return this.run(async () => {
      const [, [err, found]] = (await this.client()
        .multi()
        .zremrangebyscore(this.index, '-inf', now)
        .zrangebyscore(this.index, `(${now}`, '+inf')
        .exec())!;
      if (err) throw err;
      const ids = found as string[];
      if (ids.length === 0) return [];
      const pipe = this.client().pipeline();
      for (const id of ids) pipe.hgetall(this.key(id));
      const out = (await pipe.exec())!;
      return out
        .map(([e, v], n) => {
          if (e) throw e;
          return decodeInvite(ids[n], this.sealed(ids[n], v as Record<string, string>));
        })
        .filter((i): i is Invite => i !== undefined);
    });
  }

  consume(id: string, hash: string): Promise<'ok' | 'spent' | 'unknown'> {
    return this.run(async () => {
      const r = Number(await this.client().eval(CONSUME, 1, this.key(id), hash));
      return r === 1 ? 'ok' : r === 2 ? 'spent' : 'unknown';
    });
  }

  /** Notes the token a spent code was exchanged for; true when `revoked_at` is set. */
  markUsed(id: string, tokenId: string, at: number): Promise<boolean> {
    return this.run(async () => {
      const key = this.key(id);
      const out = (await this.client()
        .multi()
        .hset(key, { used_at: String(at), token_id: tokenId })
        .hget(key, 'revoked_at')
        .exec())!;
      for (const [err] of out) if (err) throw err;
      return (out[1][1] as string | null) !== null;
    });
  }

  revoke(id: string, at: number): Promise<{ first: boolean; tokenId?: string }> {
    return this.run(async () => {
      const [first, tokenId] = (await this.client().eval(REVOKE, 1, this.key(id), String(at))) as [
        number,
        string | null,
      ];
      return { first: first === 1, tokenId: tokenId ?? undefined };
    });
  }

  private key(id: string): string {
    return this.redis.key(`invite:${id}`);
  }

  private get index(): string {
    return this.redis.key('invites');
  }

  /** The fields as read; empty when their seal does not hold. */
  private sealed(id: string, f: Record<string, string>): Record<string, string> {
    if (!f.record && !f.hash) return f;
    return this.clusterKey.verify('invite', id, `${f.record}\n${f.hash}`, f.mac) ? f : {};
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.redis.up) throw new InvitesUnavailableError('Redis is not answering');
    try {
      return await fn();
    } catch (err) {
      this.redis.reportFailure(`invite store: ${errorText(err)}`);
      throw new InvitesUnavailableError(errorText(err), { cause: err });
    }
  }

  private client(): Redis {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
