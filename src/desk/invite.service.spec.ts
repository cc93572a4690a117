import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JwtService } from '@nestjs/jwt';
import type { AuthCookies } from '../auth/auth-cookies.js';
import { jwtOptions, newTokenId } from '../auth/jwt-claims.js';
import type { TokenEntry } from '../auth/token-entry.js';
import type { TokenRegistry } from '../auth/token-registry.js';
import { TokenService } from '../auth/token.service.js';
import { MAX_TTL_S } from '../auth/token-ttl.js';
import type { AppConfigService } from '../config/app-config.service.js';
import type { Invite } from '../contracts/invite-store.contract.js';
import type { RelayEvents } from '../events/relay-events.js';
import { newInviteCode } from './invite-code.js';
import { InviteService } from './invite.service.js';
import { MemoryInvites } from './memory-invites.js';

const DAY_MS = 86_400_000;
const jwt = new JwtService(jwtOptions('unit-secret-0123456789abcdef0123456789abcdef'));

/**
 * The service over an invite store that holds whatever a stored record says (as a genuine sealed
 * record read back from Redis would), and a registry that knows the parents given.
 */
function setup(parents: TokenEntry[] = []) {
  const entries = new Map(parents.map((e) => [e.id, e]));
  const registry = {
    isRevoked: () => false,
    find: async (id: string) => entries.get(id),
    record: async () => undefined,
    revoke: async () => undefined,
  } as unknown as TokenRegistry;
  const config = { values: { publicUrl: 'http://relay.test', nodeId: 'node-0', jwtTtl: '12h' } };
  const tokens = new TokenService(jwt, config as AppConfigService, registry, {} as AuthCookies);
  const events = { on: () => () => undefined } as unknown as RelayEvents;
  const backend = new MemoryInvites();
  const service = new InviteService(config as AppConfigService, backend, tokens, registry, events);
  /** Stores an invite expiring at `expiresAt`, created by `parent`; returns its code. */
  const stored = async (expiresAt: number, parent?: string) => {
    const { id, code, hash } = newInviteCode();
    const invite: Invite = {
      id,
      name: 'Priya',
      sub: `invite:priya.${id.slice(0, 6)}`,
      createdBy: 'desk-admin',
      parent,
      createdAt: Date.now(),
      expiresAt,
      hash,
      live: true,
    };
    await backend.create(invite, expiresAt + DAY_MS);
    return code;
  };
  return { service, tokens, stored };
}

const parentEntry = (expiresAt: number): TokenEntry => ({
  id: newTokenId(),
  sub: 'desk-admin',
  role: 'admin',
  kind: 'api',
  issuedAt: Date.now() - 60_000,
  expiresAt,
});

/** The lifetime (s) and expiry (epoch ms) the redeemed JWT itself says. */
const signed = (token: string) => {
  const { iat, exp } = jwt.decode<{ iat: number; exp: number }>(token);
  return { lifetime: exp - iat, expiresAt: exp * 1000 };
};

describe('invite redemption: the documented caps hold whatever the stored expiry says', () => {
  it('an invite whose stored expiry says 3,650 days redeems to a token of at most 30 days', async () => {
    const { service, stored } = setup();
    const r = await service.redeem(await stored(Date.now() + 3650 * DAY_MS));
    assert.ok(r.ok, JSON.stringify(r));
    const { lifetime, expiresAt } = signed(r.token.token);
    assert.equal(lifetime, MAX_TTL_S, 'the 30-day cap, not the stored ten years');
    assert.ok(expiresAt <= Date.now() + 30 * DAY_MS);
    assert.equal(r.token.expiresIn, MAX_TTL_S);
  });

  it('a 3,650-day invite of a parent with 2 h left ends with the parent', async () => {
    const parent = parentEntry(Date.now() + 2 * 3600_000);
    const { service, stored } = setup([parent]);
    const r = await service.redeem(await stored(Date.now() + 3650 * DAY_MS, parent.id));
    assert.ok(r.ok, JSON.stringify(r));
    const { lifetime, expiresAt } = signed(r.token.token);
    assert.ok(expiresAt <= parent.expiresAt, `ends ${expiresAt - parent.expiresAt} ms after its parent`);
    assert.ok(lifetime > 2 * 3600 - 5, `not cut shorter than the parent needs (${lifetime} s)`);
  });

  it('an invite of 1 day whose parent has 10 minutes left: the token ends with the parent, not the invite', async () => {
    const parent = parentEntry(Date.now() + 10 * 60_000);
    const { service, stored } = setup([parent]);
    const r = await service.redeem(await stored(Date.now() + DAY_MS, parent.id));
    assert.ok(r.ok, JSON.stringify(r));
    const { lifetime, expiresAt } = signed(r.token.token);
    assert.ok(expiresAt <= parent.expiresAt);
    assert.ok(lifetime <= 600 && lifetime > 590, `${lifetime} s`);
  });

  it('an invite whose parent has less than a second left is refused as expired: no token at all', async () => {
    const parent = parentEntry(Date.now() + 500);
    const { service, stored } = setup([parent]);
    const r = await service.redeem(await stored(Date.now() + DAY_MS, parent.id));
    assert.equal(!r.ok && r.reason, 'expired', JSON.stringify(r));
  });

  it('within the caps, the token ends with the invite', async () => {
    const parent = parentEntry(Date.now() + DAY_MS);
    const { service, stored } = setup([parent]);
    const invitedUntil = Date.now() + 30 * 60_000;
    const r = await service.redeem(await stored(invitedUntil, parent.id));
    assert.ok(r.ok, JSON.stringify(r));
    const { expiresAt } = signed(r.token.token);
    assert.ok(expiresAt <= invitedUntil && expiresAt > invitedUntil - 2000, `${invitedUntil - expiresAt} ms`);
  });

  it('TokenService.mint refuses an invite token past 30 days, whatever its caller computed', () => {
    const { tokens } = setup();
    assert.throws(() => tokens.mint('invite:x.abcdef', 'viewer', `${MAX_TTL_S + 1}s`, 'invite'), /30 days/);
    assert.throws(() => tokens.mint('invite:x.abcdef', 'viewer', '3650d', 'invite'), /30 days/);
    const ok = tokens.mint('invite:x.abcdef', 'viewer', '30d', 'invite');
    assert.equal(signed(ok.token).lifetime, MAX_TTL_S);
  });
});
