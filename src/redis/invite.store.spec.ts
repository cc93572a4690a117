import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../../test/helpers/redis-server.js';
import type { AppConfigService } from '../config/app-config.service.js';
import type { Invite } from '../contracts/invite-store.contract.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterKey } from './cluster-key.js';
import { InvitesUnavailableError, InviteStore } from './invite.store.js';
import type { RedisClients } from './redis-clients.js';

const key = new ClusterKey(
  { values: { sessionEncryptionKey: 'invite-store-spec-0123456789abcdef0123' } } as AppConfigService,
  new MetricsService(),
);

function store(server: RedisServer, prefix: string, up = true) {
  const failures: string[] = [];
  const clients = {
    command: server.client,
    key: (n: string) => prefix + n,
    up,
    reportFailure: (reason: string) => failures.push(reason),
  };
  return { s: new InviteStore(clients as unknown as RedisClients, key), failures };
}

const soon = () => Date.now() + 60_000;
const invite = (id: string, over: Partial<Invite> = {}): Invite => ({
  id,
  name: 'Priya',
  sub: `invite:priya.${id}`,
  createdBy: 'admin',
  createdAt: Date.now(),
  expiresAt: soon(),
  hash: 'h',
  live: true,
  ...over,
});

describe('InviteStore: single use and revocation on a real redis-server', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.close();
  });

  it('20 redemptions at once: exactly one spends the code, the others see it spent', async () => {
    const { s } = store(server, 'i1:');
    await s.create(invite('inv', { hash: 'h1' }), soon());
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.consume('inv', 'h1')));
    assert.deepEqual(answers.sort(), ['ok', ...Array(19).fill('spent')].sort());
  });

  it('a wrong hash or an unknown invite spends nothing', async () => {
    const { s } = store(server, 'i2:');
    await s.create(invite('inv', { hash: 'right' }), soon());
    assert.equal(await s.consume('inv', 'wrong'), 'unknown');
    assert.equal(await s.consume('nope', 'right'), 'unknown');
    assert.equal(await s.consume('inv', 'right'), 'ok', 'still spendable with the right code');
  });

  it('revoke: the first call says so and gives the token it was exchanged for; a revoked code cannot be spent', async () => {
    const { s } = store(server, 'i3:');
    await s.create(invite('used'), soon());
    assert.equal(await s.consume('used', 'h'), 'ok');
    assert.equal(await s.markUsed('used', 'tok-1', Date.now()), false);
    assert.deepEqual(await s.revoke('used', 1234), { first: true, tokenId: 'tok-1' });
    assert.deepEqual(await s.revoke('used', 5678), { first: false, tokenId: 'tok-1' });
    assert.equal(
      await s.markUsed('used', 'tok-1', Date.now()),
      true,
      'a late redemption sees the revocation',
    );
    assert.equal((await s.get('used'))?.revokedAt, 1234, 'the first revocation time is kept');
    await s.create(invite('unused'), soon());
    await s.revoke('unused', 1);
    assert.equal(await s.consume('unused', 'h'), 'spent', 'a revoked code is spent');
  });

  it('revoking an invite that does not exist creates nothing', async () => {
    const { s } = store(server, 'i4:');
    assert.deepEqual(await s.revoke('ghost', 1), { first: false, tokenId: undefined });
    assert.equal(await server.client.exists('i4:invite:ghost'), 0);
  });

  it('an invite past its expiry is not listed; the store keeps it until keepUntil', async () => {
    const { s } = store(server, 'i5:');
    const now = Date.now();
    await s.create(invite('old', { expiresAt: now + 1000 }), now + 60_000);
    await s.create(invite('new', { expiresAt: now + 60_000 }), now + 120_000);
    assert.deepEqual(
      (await s.list(now + 5000)).map((i) => i.id),
      ['new'],
    );
    assert.equal((await s.get('old'))?.hash, 'h');
  });

  it('the layout on Redis: the fields, the record JSON and its MAC, the index and the expiry', async () => {
    const { s } = store(server, 'i6:');
    const keepUntil = Date.now() + 120_000;
    const i = invite('lay', { createdAt: 1_000, expiresAt: soon(), parent: 'tok-0', ask: 'desk-admin' });
    await s.create(i, keepUntil);
    const record = `{"name":"Priya","sub":"invite:priya.lay","by":"admin","par":"tok-0","ask":"desk-admin","iat":1000,"exp":${i.expiresAt}}`;
    assert.deepEqual(await server.client.hgetall('i6:invite:lay'), {
      record,
      hash: 'h',
      mac: key.mac('invite', 'lay', `${record}\nh`),
      live: '1',
    });
    assert.equal(Number(await server.client.zscore('i6:invites', 'lay')), i.expiresAt);
    const ttl = await server.client.pttl('i6:invite:lay');
    assert.ok(
      ttl > keepUntil - Date.now() - 5000 && ttl <= keepUntil - Date.now() + 5,
      `expires at keepUntil (${ttl})`,
    );
    await s.consume('lay', 'h');
    await s.markUsed('lay', 'tok-9', 2_000);
    await s.revoke('lay', 3_000);
    const f = await server.client.hgetall('i6:invite:lay');
    assert.deepEqual([f.live, f.used_at, f.token_id, f.revoked_at], [undefined, '2000', 'tok-9', '3000']);
  });

  it('reads an invite written field by field in that layout; an edited record reads as none', async () => {
    const { s } = store(server, 'i7:');
    const record = '{"name":"Ravi","sub":"invite:ravi.old","by":"root","iat":5,"exp":4102444800000}';
    const mac = key.mac('invite', 'old', `${record}\nhh`);
    await server.client.hset('i7:invite:old', { record, hash: 'hh', mac, used_at: '7', token_id: 't' });
    assert.deepEqual(await s.get('old'), {
      id: 'old',
      name: 'Ravi',
      sub: 'invite:ravi.old',
      createdBy: 'root',
      parent: undefined,
      ask: undefined,
      createdAt: 5,
      expiresAt: 4102444800000,
      hash: 'hh',
      live: false,
      usedAt: 7,
      tokenId: 't',
      revokedAt: undefined,
    });
    await server.client.hset('i7:invite:old', 'record', record.replace('Ravi', 'Mallory'));
    assert.equal(await s.get('old'), undefined);
  });

  it('Redis not answering: nothing is read or spent; a failed command is reported', async () => {
    const down = store(server, 'i8:', false);
    await assert.rejects(down.s.consume('x', 'h'), InvitesUnavailableError);
    await server.client.set('i8:invite:str', 'not a hash');
    const up = store(server, 'i8:');
    await assert.rejects(up.s.get('str'), InvitesUnavailableError);
    assert.equal(up.failures.length, 1);
    assert.match(up.failures[0], /^invite store: .*WRONGTYPE/);
  });
});
