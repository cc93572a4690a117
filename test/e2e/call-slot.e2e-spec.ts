import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { takeFairSlot } from '../../src/redis/call-slot.js';
import { REDIS_URL } from '../helpers/test-app.js';

describe('takeFairSlot: a cluster call slot in the real Redis, first come first served', () => {
  let redis: Redis;
  const prefix = `kr-test:${randomBytes(4).toString('hex')}:`;
  before(() => {
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    await redis.quit();
  });

  it('three nodes asking all the time take it in turn, one slot a gap: none waits more than three gaps', async () => {
    const gap = 100;
    const taken: { node: string; at: number }[] = [];
    const end = Date.now() + 2000;
    const node = async (id: string) => {
      while (Date.now() < end) {
        let since = Date.now();
        for (;;) {
          const wait = await takeFairSlot(redis, prefix, 'test', id, gap);
          if (wait <= 0) break;
          // A node waits as long as it is told: the load under test.
          await new Promise((r) => setTimeout(r, Math.min(gap, Math.max(5, wait))));
        }
        taken.push({ node: id, at: Date.now() - since });
        since = Date.now();
      }
    };
    await Promise.all(['a', 'b', 'c'].map(node));
    const counts = ['a', 'b', 'c'].map((id) => taken.filter((t) => t.node === id).length);
    // 20 gaps, and each node may take one more slot in the turn it started before the end.
    assert.ok(taken.length >= 15 && taken.length <= 23, `${taken.length} slots in 2 s`);
    // A node whose timer ran late under load misses a turn now and then: even within 2 of 23 slots.
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 2, `shared evenly: ${JSON.stringify(counts)}`);
    assert.ok(
      // Fairness, not speed: on a loaded machine timers run late, so allow two gaps of scheduling.
      taken.slice(3).every((t) => t.at <= 5 * gap),
      JSON.stringify(taken.map((t) => t.at)),
    );
  });
});
