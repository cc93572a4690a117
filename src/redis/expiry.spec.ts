import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterKey } from './cluster-key.js';
import { expireAtMs, InvalidExpiryError, MAX_EXPIRY_MS, ttlMs } from './expiry.js';
import { HistoricalStore } from './historical.store.js';
import { InstrumentStore } from './instrument.store.js';
import { InvitesUnavailableError, InviteStore } from './invite.store.js';
import { LeaseRepository } from './lease.repository.js';
import { NodeRecordStore } from './node-record.store.js';
import { QuoteStore } from './quote.store.js';
import type { RedisClients } from './redis-clients.js';
import { reconnectOnReadonly } from './redis-connection.js';
import { SessionStore } from './session.store.js';
import { TokenStore } from './token.store.js';

const key = new ClusterKey(
  { values: { sessionEncryptionKey: 'expiry-spec-key-0123456789abcdef0123' } } as AppConfigService,
  new MetricsService(),
);
const BAD_TTLS = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0, -1, MAX_EXPIRY_MS + 1];

describe('expiry guard', () => {
  it('passes a finite TTL ahead as whole ms, at least 1', () => {
    assert.equal(ttlMs(1500.4), 1500);
    assert.equal(ttlMs(0.2), 1);
    assert.equal(ttlMs(MAX_EXPIRY_MS), MAX_EXPIRY_MS);
  });

  it('refuses a non-finite, zero, negative or absurd TTL with an error that names it', () => {
    for (const bad of BAD_TTLS) {
      assert.throws(
        () => ttlMs(bad),
        (e: unknown) => e instanceof InvalidExpiryError && /TTL/.test(e.message),
      );
    }
    assert.throws(() => ttlMs('5' as unknown as number), InvalidExpiryError);
  });

  it('passes an absolute expiry after now; refuses one at or before now, or not finite', () => {
    const now = 1_700_000_000_000;
    assert.equal(expireAtMs(now + 1000.6, now), now + 1001);
    for (const bad of [now, now - 1, Number.POSITIVE_INFINITY, Number.NaN, now + MAX_EXPIRY_MS + 1]) {
      assert.throws(() => expireAtMs(bad, now), InvalidExpiryError, String(bad));
    }
  });

  it('reconnects on READONLY only, never on another error reply', () => {
    assert.equal(
      reconnectOnReadonly(new Error("READONLY You can't write against a read only replica.")),
      true,
    );
    assert.equal(reconnectOnReadonly(new Error('ERR value is not an integer or out of range')), false);
    assert.equal(reconnectOnReadonly(new Error('NOPERM this user has no permissions')), false);
  });
});

describe('every Redis write path refuses a non-finite or past expiry before anything is sent', () => {
  // A client that never connected: a command that reached it would fail with a connection error,
  // so an InvalidExpiryError shows that the store refused before sending.
  const command = new Redis({
    port: 1,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  command.on('error', () => undefined);
  const redis = {
    command,
    key: (n: string) => `kr-spec:${n}`,
    prefix: 'kr-spec:',
    up: true,
    reportFailure: () => undefined,
  } as unknown as RedisClients;
  after(() => command.disconnect());
  const now = Date.now();
  const past = [now - 1, now - 86_400_000, Number.POSITIVE_INFINITY, Number.NaN];

  const refuses = async (what: string, call: () => Promise<unknown>) =>
    assert.rejects(call, InvalidExpiryError, what);

  it('sanity: a valid call does reach the (unreachable) client', async () => {
    await assert.rejects(
      new SessionStore(redis).write('sealed', 1000),
      (e: unknown) => !(e instanceof InvalidExpiryError),
    );
    await assert.rejects(
      new HistoricalStore(redis, key).write('k', '[]', 1000),
      (e: unknown) => !(e instanceof InvalidExpiryError),
    );
  });

  it('revocations (PXAT)', async () => {
    for (const at of past) await refuses(`revoke ${at}`, () => new TokenStore(redis, key).revoke('id', at));
  });

  it('the Kite session, node records, the instrument master (PX)', async () => {
    for (const ttl of BAD_TTLS) {
      await refuses(`session ${ttl}`, () => new SessionStore(redis).write('sealed', ttl));
      await refuses(`node ${ttl}`, () => new NodeRecordStore(redis, key).write('n1', '{}', ttl));
      await refuses(`instruments ${ttl}`, () => new InstrumentStore(redis, key).write(Buffer.from('x'), ttl));
    }
  });

  it('invites (PEXPIREAT and the expiry index)', async () => {
    const store = new InviteStore(redis, key);
    const invite = (expiresAt: number) =>
      ({
        id: 'i',
        name: 'n',
        sub: 's',
        createdBy: 'a',
        createdAt: now,
        expiresAt,
        hash: 'h',
        live: true,
      }) as const;
    // The store answers "unavailable" (a 503), caused by the refusal.
    const refused = (e: unknown) =>
      e instanceof InvitesUnavailableError && e.cause instanceof InvalidExpiryError;
    for (const at of past) {
      await assert.rejects(store.create(invite(now + 60_000), at), refused, `invite keep ${at}`);
      await assert.rejects(store.create(invite(at), now + 60_000), refused, `invite expiry ${at}`);
    }
  });

  it('the upstream lease and the quote cache and call slot (script TTLs, cache TTL)', async () => {
    const lease = new LeaseRepository(redis);
    const quotes = new QuoteStore(redis, key);
    for (const ttl of BAD_TTLS) {
      await refuses(`acquire ${ttl}`, () => lease.acquire('n1', ttl));
      await refuses(`renew ${ttl}`, () => lease.renew('n1', 7, ttl));
      await refuses(`quotes ${ttl}`, () => quotes.write(1, [], ttl));
      await refuses(`slot ${ttl}`, () => quotes.takeCallSlot('n1', ttl));
    }
  });

  it("Kite's historical candles and their call slot (PX, the slot script's TTL)", async () => {
    const historical = new HistoricalStore(redis, key);
    for (const ttl of BAD_TTLS) {
      await refuses(`historical ${ttl}`, () => historical.write('INFY:day', '[]', ttl));
      await refuses(`historical slot ${ttl}`, () => historical.takeCallSlot('n1', ttl));
    }
  });
});
