import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const PER_USER = 5;

describe('tokens minted without a sub: each is its own user with its own quota (one node, Redis)', () => {
  let t: TestApp;
  let admin: string;
  before(async () => {
    t = await TestApp.start({ env: { MAX_CONNECTIONS_PER_USER: String(PER_USER) } });
    admin = t.token('admin', '1h');
  });
  after(async () => {
    await t.close();
  });

  const bot = async () => {
    const r = await t.post('/api/admin/tokens', { role: 'viewer', ttl: '30m' }, admin);
    assert.equal(r.status, 201, r.text);
    return r.body as { id: string; token: string; sub: string };
  };
  const open = (token: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const s = t.client({ token });
        await t.connected(s);
        return s;
      }),
    );

  it(`two unnamed bots each open all ${PER_USER} sockets; the next one of each is refused, the other unaffected`, async () => {
    const [one, two] = [await bot(), await bot()];
    assert.notEqual(one.sub, two.sub, 'each unnamed token has a sub of its own');
    const first = await open(one.token, PER_USER);
    // The review's case: a bot at its cap used to lock out the next bot (one shared sub).
    const second = await open(two.token, PER_USER);
    assert.equal([...first, ...second].filter((s) => s.connected).length, 2 * PER_USER);
    await assert.rejects(t.connected(t.client({ token: one.token })), /too_many_connections/);
    await assert.rejects(t.connected(t.client({ token: two.token })), /too_many_connections/);
    assert.ok(
      [...first, ...second].every((s) => s.connected),
      'a refusal ends no socket of either bot',
    );
    const ack = await second[0].emitWithAck('subscribe', { instruments: [408065] });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    // A socket freed by one bot is its own again, and only its own.
    first[0].disconnect();
    await waitFor(async () => (await open(one.token, 1))[0].connected, 'the freed socket reopened');
    await assert.rejects(t.connected(t.client({ token: two.token })), /too_many_connections/);
  });
});
