import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestCluster, type ClusterNode, type MarketClient } from '../helpers/test-cluster.js';
import { sleep, waitFor } from '../helpers/wait.js';

const connected = (s: MarketClient) =>
  new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (e) => reject(e));
  });

/** Resolves with how long after `since()` the server ended the socket. */
const endedAfter = (s: MarketClient, since: () => number) =>
  new Promise<{ ms: number; reason: string }>((resolve) =>
    s.once('disconnect', (reason) => resolve({ ms: Date.now() - since(), reason })),
  );

describe(
  'tokens across a 2-node cluster: revoking a parent on one node ends its children on the other',
  { timeout: 120_000 },
  () => {
    let c: TestCluster;
    let a: ClusterNode;
    let b: ClusterNode;
    let root: string;
    before(async () => {
      c = await TestCluster.start(2);
      [a, b] = c.nodes;
      root = c.token('admin', 'cascade-root');
    });
    after(async () => {
      await c?.close();
    });

    const mint = async (node: ClusterNode, token: string, body: object) => {
      const r = await node.http('/api/admin/tokens', { method: 'POST', token, body: JSON.stringify(body) });
      assert.equal(r.status, 201, r.text);
      return r.body as { id: string; token: string; parent: string | null };
    };
    const status = async (node: ClusterNode, token: string) =>
      (await node.http('/api/market/status', { token })).status;

    it('a child minted on B by a token minted on A, and its own child: both lose HTTP and sockets on B within 2 s', async (ctx) => {
      const parent = await mint(a, root, { role: 'admin', ttl: '30m' });
      // The child is minted on the other node, so the cascade on A must find it through Redis.
      const child = await mint(b, parent.token, { role: 'admin', ttl: '20m' });
      const grandchild = await mint(a, child.token, { role: 'viewer', ttl: '10m' });
      const bystander = await mint(a, root, { role: 'viewer', ttl: '10m' });
      assert.equal(child.parent, parent.id);
      assert.equal(grandchild.parent, child.id);
      for (const tok of [child.token, grandchild.token, bystander.token]) {
        assert.equal(await status(b, tok), 200);
      }
      const childSocket = c.client(b, child.token);
      const grandchildSocket = c.client(b, grandchild.token);
      const bystanderSocket = c.client(b, bystander.token);
      const otherNodeSocket = c.client(a, bystander.token);
      await Promise.all([childSocket, grandchildSocket, bystanderSocket, otherNodeSocket].map(connected));
      // The test's own reconnects would hide the end: a revoked token must stay out.
      childSocket.io.opts.reconnection = false;
      grandchildSocket.io.opts.reconnection = false;

      let at = 0;
      const ended = [endedAfter(childSocket, () => at), endedAfter(grandchildSocket, () => at)];
      at = Date.now();
      const r = await a.http(`/api/admin/tokens/${parent.id}`, { method: 'DELETE', token: root });
      assert.equal(r.status, 200, r.text);

      const ends = await Promise.all(ended);
      ctx.diagnostic(`sockets on B ended ${ends.map((e) => e.ms).join(' and ')} ms after the DELETE on A`);
      for (const { ms, reason } of ends) {
        assert.ok(ms < 2000, `a child's socket on B ended ${ms} ms after the revocation on A`);
        assert.equal(reason, 'io server disconnect');
      }
      for (const tok of [parent.token, child.token, grandchild.token]) {
        assert.equal(await status(b, tok), 401, 'refused on B');
        assert.equal(await status(a, tok), 401, 'refused on A');
      }
      assert.ok(Date.now() - at < 2000, `HTTP refusals on B within 2 s (${Date.now() - at} ms)`);
      const again = c.client(b, grandchild.token);
      again.io.opts.reconnection = false;
      await assert.rejects(connected(again), /unauthorized/);

      await sleep(200); // a window in which the other sockets must not be cut
      assert.equal(bystanderSocket.connected, true, 'another token keeps its socket on B');
      assert.equal(otherNodeSocket.connected, true, 'and on A');
      assert.equal(await status(b, bystander.token), 200);
      assert.equal(await status(a, root), 200, 'the token that revoked is untouched');
      const listed = (
        (await b.http('/api/admin/tokens', { token: root })).body.tokens as { id: string }[]
      ).map((e) => e.id);
      assert.ok(listed.includes(bystander.id));
      for (const id of [parent.id, child.id, grandchild.id]) {
        assert.ok(!listed.includes(id), `${id} listed no more`);
      }
    });

    it("an unused invite created on A by a token minted on A stops redeeming on B within 2 s of the token's revocation on A; another invite still redeems", async (ctx) => {
      const invite = async (token: string, name: string) => {
        const r = await a.http('/api/admin/invites', {
          method: 'POST',
          token,
          body: JSON.stringify({ name, ttl: '30m' }),
        });
        assert.equal(r.status, 201, r.text);
        return new URL(r.body.url as string).hash.replace(/^#code=/, '');
      };
      const redeem = (code: string) =>
        b.http('/api/auth/invite', {
          method: 'POST',
          body: JSON.stringify({ code }),
          headers: { origin: b.url },
        });
      const parent = await mint(a, root, { role: 'admin', ttl: '30m' });
      const orphan = await invite(parent.token, 'Priya');
      const other = await invite(root, 'Ravi');

      const at = Date.now();
      const r = await a.http(`/api/admin/tokens/${parent.id}`, { method: 'DELETE', token: root });
      assert.equal(r.status, 200, r.text);
      // Polled, not slept: each answer until the refusal must be a refusal too, never a redemption.
      const seen: number[] = [];
      await waitFor(
        async () => {
          const answer = await redeem(orphan);
          seen.push(answer.status);
          assert.notEqual(answer.status, 200, "the revoked token's invite redeemed on B");
          return answer.status === 410 && answer.body.reason === 'revoked';
        },
        "the revoked token's invite refused on B",
        2000,
        200,
      );
      const ms = Date.now() - at;
      ctx.diagnostic(
        `the invite was refused on B ${ms} ms after the DELETE on A (answers: ${seen.join(', ')})`,
      );
      assert.ok(ms < 2000, `refused on B ${ms} ms after the revocation on A`);
      assert.ok(!seen.includes(200));

      const ok = await redeem(other);
      assert.equal(ok.status, 200, `an invite of another token still redeems: ${ok.text}`);
      // B refuses the orphan at once (its parent is revoked there); the listing follows when the
      // cascade has marked the invite, which the issue allows 2 s for across nodes.
      const states = async () =>
        (
          (await b.http('/api/admin/invites', { token: root })).body.invites as {
            name: string;
            state: string;
          }[]
        )
          .filter((i) => i.name === 'Priya' || i.name === 'Ravi')
          .map((i) => `${i.name} ${i.state}`);
      await waitFor(
        async () => JSON.stringify(await states()) === JSON.stringify(['Ravi used']),
        'the revoked invite listed no more on B',
        Math.max(100, 2000 - (Date.now() - at)),
        100,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}: ${JSON.stringify(await states())}`);
      });
    });
  },
);
