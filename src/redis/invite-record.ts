import type { Invite } from '../contracts/invite-store.contract.js';

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

/** The `record` field of an invite's hash: its immutable part, in this key order. */
export function encodeInvite(i: Invite): string {
  const record: StoredRecord = {
    name: i.name,
    sub: i.sub,
    by: i.createdBy,
    par: i.parent,
    ask: i.ask,
    iat: i.createdAt,
    exp: i.expiresAt,
  };
  return JSON.stringify(record);
}

/** An invite's hash fields (already checked against their seal) back into the invite; undefined when malformed. */
export function decodeInvite(id: string, f: Record<string, string> | undefined): Invite | undefined {
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
