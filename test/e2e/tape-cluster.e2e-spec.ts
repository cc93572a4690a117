import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDay } from '../../src/tape/day-reader.js';
import { RecordKind } from '../../src/tape/tape-format.js';
import { TestCluster, type ClusterNode, type MarketClient } from '../helpers/test-cluster.js';
import { waitFor } from '../helpers/wait.js';

const DAY = '2026-12-01';
const feedState = async (n: ClusterNode) => {
  const h = await n.health();
  return (h.info ?? h.details).feed.state as string;
};
const json = (p: Buffer) => JSON.parse(p.toString('utf8')) as Record<string, unknown>;

async function subscribed(s: MarketClient, instruments: string[]): Promise<void> {
  await new Promise<void>((r) => (s.connected ? r() : s.once('connect', () => r())));
  const ack = await s.timeout(10_000).emitWithAck('subscribe', { instruments, mode: 'full' });
  assert.equal(ack.ok, true);
}

describe('tape in a cluster', { timeout: 120_000 }, () => {
  it('holder fail-over in 3 nodes: one day, two segments (one per tenure), no frame twice, a takeover gap record', async () => {
    // One RECORD_DIR for the three nodes (a shared volume): file names carry node and fencing.
    const dir = mkdtempSync(join(tmpdir(), 'kr-tape-cluster-'));
    const c = await TestCluster.start(3, {
      env: { CLOCK_START: `${DAY}T10:00:00+05:30`, RECORD_DIR: dir, RECORD_MIN_FREE_BYTES: '0' },
    });
    try {
      await c.login();
      await waitFor(
        async () => (await Promise.all(c.nodes.map(feedState))).every((s) => s === 'LIVE'),
        'all LIVE',
        15_000,
      );
      const clients = c.nodes.slice(1).map((n) => c.client(n));
      await Promise.all(clients.map((s) => subscribed(s, ['NSE:INFY', 'NSE:TCS'])));
      await waitFor(
        () => readDay(dir, DAY)[0]?.records.some((r) => r.kind === RecordKind.frame && r.payload.length > 1),
        'frames on tape',
        10_000,
      );
      await c.nodes[0].kill('SIGKILL');
      const next = await waitFor(async () => (await c.holder()) ?? undefined, 'a new holder', 15_000, 50);
      await waitFor(async () => (await feedState(next)) === 'LIVE', 'the new holder LIVE', 10_000, 50);
      const own = (name: string) => name.includes(`-${next.id}-`);
      await waitFor(
        () => {
          const seg = readDay(dir, DAY).find((s) => own(s.path));
          return seg?.records.some((r) => r.kind === RecordKind.frame && r.payload.length > 1);
        },
        "the new holder's frames on tape",
        10_000,
      );
      await next.kill('SIGTERM');
      const segments = readDay(dir, DAY);
      assert.deepEqual(readdirSync(dir), [DAY]);
      assert.equal(segments.length, 2, segments.map((s) => s.path).join(', '));
      const [old, cur] = segments;
      assert.equal(old.header.node, 'node-0');
      assert.equal(cur.header.node, next.id);
      assert.ok(cur.header.fencing! > old.header.fencing!, 'the new tenure has the higher fencing number');
      const lease = json(cur.records.find((r) => r.kind === RecordKind.lease)!.payload);
      assert.deepEqual([lease.role, lease.holder, lease.fencing], ['holder', next.id, cur.header.fencing]);
      const gap = cur.records.find((r) => r.kind === RecordKind.gap);
      assert.ok(gap, 'a gap record');
      const g = json(gap.payload);
      assert.equal(g.reason, 'takeover');
      assert.equal(g.previous_fencing, old.header.fencing);
      assert.ok((g.to as number) > (g.from as number));
      const frames = segments.flatMap((s) =>
        s.records
          .filter((r) => r.kind === RecordKind.frame && r.payload.length > 1)
          .map((r) => r.payload.toString('hex')),
      );
      assert.equal(new Set(frames).size, frames.length, 'no frame recorded twice');
    } finally {
      await c.close();
    }
  });
});
