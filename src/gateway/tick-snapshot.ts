import type { CacheService } from '../cache/cache.service.js';
import { MODE_RANK, type TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import type { MarketFeedService } from '../market-feed/market-feed.service.js';
import { projectTick } from './project-tick.js';

/** What a snapshot reads: this node's last ticks, the shared cache, and whether a tick is already batched. */
export interface SnapshotSources {
  feed: MarketFeedService;
  cache: CacheService;
  now: () => number;
  maxAgeMs: number;
  queued: (token: number, mode: TickMode) => boolean;
}

/**
 * The last fresh tick of each newly subscribed instrument, projected to `mode`: this node's own
 * last tick, read in the turn of the join, so the live flow never repeats it; the cache only for
 * an instrument this node has no fresh tick of, and then only if no live tick came meanwhile.
 */
export async function tickSnapshot(src: SnapshotSources, tokens: number[], mode: TickMode): Promise<Tick[]> {
  const now = src.now();
  const ticks: Tick[] = [];
  const missing: number[] = [];
  for (const t of tokens) {
    // A tick already batched for the room this client just joined reaches it at the flush.
    if (src.queued(t, mode)) continue;
    const local = src.feed.ticks.latest(t);
    if (local && now - local.at <= src.maxAgeMs) ticks.push(local.tick);
    else missing.push(t);
  }
  if (missing.length > 0) {
    const before = new Map(missing.map((t) => [t, src.feed.ticks.latest(t)]));
    const quotes = await src.cache.getQuotes(missing); // never rejects (CacheService)
    for (const t of missing) {
      const q = quotes.get(t);
      if (!q || src.feed.ticks.latest(t) !== before.get(t) || src.queued(t, mode)) continue;
      // Another node cached it; if this node's copy of the frame is still on its way, it is not delivered twice.
      if (src.feed.ticks.seed(q.tick, q.as_of)) ticks.push(q.tick);
    }
  }
  return ticks.filter((t) => MODE_RANK[t.mode] >= MODE_RANK[mode]).map((t) => projectTick(t, mode));
}
