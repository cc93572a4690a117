import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Invite } from '../contracts/invite-store.contract.js';
import { MemoryInvites } from './memory-invites.js';

const invite = (over: Partial<Invite> = {}): Invite => ({
  id: 'i1',
  name: 'Priya',
  sub: 'invite:priya.i1',
  createdBy: 'admin',
  createdAt: Date.now(),
  expiresAt: Date.now() + 60_000,
  hash: 'h1',
  live: true,
  ...over,
});

describe('invites in memory', () => {
  it('a code is spent once; a wrong hash spends nothing', async () => {
    const sut = new MemoryInvites();
    await sut.create(invite(), Date.now() + 120_000);
    assert.equal(await sut.consume('i1', 'other'), 'unknown');
    assert.equal(await sut.consume('nope', 'h1'), 'unknown');
    const all = await Promise.all([
      sut.consume('i1', 'h1'),
      sut.consume('i1', 'h1'),
      sut.consume('i1', 'h1'),
    ]);
    assert.deepEqual(all.sort(), ['ok', 'spent', 'spent']);
  });

  it('revoke after use hands back the token; a use recorded after a revoke says it was revoked', async () => {
    const sut = new MemoryInvites();
    await sut.create(invite(), Date.now() + 120_000);
    await sut.consume('i1', 'h1');
    assert.equal(await sut.markUsed('i1', 'tok', 1), false);
    assert.deepEqual(await sut.revoke('i1', 2), { first: true, tokenId: 'tok' });
    assert.deepEqual(await sut.revoke('i1', 3), { first: false, tokenId: 'tok' });

    await sut.create(invite({ id: 'i2' }), Date.now() + 120_000);
    await sut.consume('i2', 'h1');
    assert.deepEqual(await sut.revoke('i2', 4), { first: true, tokenId: undefined });
    assert.equal(await sut.markUsed('i2', 'late', 5), true, 'the exchange must revoke its token');
  });

  it('lists unexpired invites; forgets them after their keep time; hands out copies', async () => {
    const sut = new MemoryInvites();
    await sut.create(invite({ id: 'old', expiresAt: Date.now() - 1 }), Date.now() + 60_000);
    await sut.create(invite({ id: 'gone', expiresAt: Date.now() - 1 }), Date.now() - 1);
    await sut.create(invite({ id: 'new' }), Date.now() + 60_000);
    assert.deepEqual(
      (await sut.list(Date.now())).map((i) => i.id),
      ['new'],
    );
    assert.equal((await sut.get('old'))?.id, 'old', 'an expired invite still explains itself');
    assert.equal(await sut.get('gone'), undefined);
    const copy = (await sut.get('new'))!;
    copy.live = false;
    assert.equal((await sut.get('new'))!.live, true);
  });
});
