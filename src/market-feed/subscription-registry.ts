import {
  MAX_CONNECTIONS_PER_KEY,
  MAX_INSTRUMENTS_PER_CONNECTION,
  MODE_RANK,
  type TickMode,
} from '../kite/kite.constants.js';

export interface ShardChange {
  shard: number;
  subscribe: number[];
  unsubscribe: number[];
  mode: Map<TickMode, number[]>;
}

export interface AcquireResult {
  accepted: { token: number; mode: TickMode }[];
  rejected: { token: number; reason: 'capacity' }[];
}

/**
 * Who wants which instrument in which mode, and what that makes upstream. The upstream mode of an
 * instrument is the highest any holder of interest wants; instruments are spread over up to 3
 * shards of 3000. Changes accumulate until `takeChanges`, so bursts become few upstream messages.
 * A holder of interest is a client (a socket) on a node, or a node in the cluster-wide union.
 */
export class SubscriptionRegistry {
  private readonly wanted = new Map<number, Map<string, TickMode>>();
  private readonly upstream = new Map<number, { shard: number; mode: TickMode }>();
  private readonly shardSizes: number[];
  private dirty = new Set<number>();

  constructor(
    private readonly perShard = MAX_INSTRUMENTS_PER_CONNECTION,
    private readonly maxShards = MAX_CONNECTIONS_PER_KEY,
  ) {
    this.shardSizes = new Array<number>(maxShards).fill(0);
  }

  /** How many distinct instruments may be wanted at once (3 connections × 3000). */
  get capacity(): number {
    return this.perShard * this.maxShards;
  }

  /**
   * Registers `holder`'s interest. A new instrument is refused with `capacity` when the registry
   * already holds `capacity` instruments, or when `admit` (a wider view, e.g. the cluster's) says no.
   */
  acquire(
    holder: string,
    items: readonly { token: number; mode: TickMode }[],
    admit: (token: number) => boolean = () => true,
  ): AcquireResult {
    const result: AcquireResult = { accepted: [], rejected: [] };
    for (const { token, mode } of items) {
      let holders = this.wanted.get(token);
      if (!holders) {
        if (this.wanted.size >= this.capacity || !admit(token)) {
          result.rejected.push({ token, reason: 'capacity' });
          continue;
        }
        holders = new Map();
        this.wanted.set(token, holders);
      }
      holders.set(holder, mode);
      this.dirty.add(token);
      result.accepted.push({ token, mode });
    }
    return result;
  }

  /** Releases `holder`'s interest in `tokens` (all of them when omitted); returns what it held. */
  release(holder: string, tokens?: Iterable<number>): number[] {
    const released: number[] = [];
    for (const token of tokens ?? [...this.wanted.keys()]) {
      const holders = this.wanted.get(token);
      if (!holders?.delete(holder)) continue;
      released.push(token);
      if (holders.size === 0) this.wanted.delete(token);
      this.dirty.add(token);
    }
    return released;
  }

  /** Makes `holder`'s interest exactly `demand` (instrument → mode): what a node's published demand replaces. */
  replace(holder: string, demand: ReadonlyMap<number, TickMode>): void {
    for (const [token, holders] of this.wanted) {
      if (holders.has(holder) && !demand.has(token)) this.release(holder, [token]);
    }
    for (const [token, mode] of demand) {
      if (this.wanted.get(token)?.get(holder) !== mode) this.acquire(holder, [{ token, mode }]);
    }
  }

  /** Whether anyone wants `token`. */
  has(token: number): boolean {
    return this.wanted.has(token);
  }

  /** How many distinct instruments are wanted. */
  get size(): number {
    return this.wanted.size;
  }

  /** Instrument → the highest mode anyone wants: what this registry asks of the upstream. */
  demand(): Map<number, TickMode> {
    const out = new Map<number, TickMode>();
    for (const token of this.wanted.keys()) out.set(token, this.wantedMode(token)!);
    return out;
  }

  /**
   * What changed in `demand()` since the last call: instrument → its mode now, or null when nobody
   * wants it any more. For a node's own registry, whose changes feed the upstream (union) registry.
   */
  takeDemandChanges(): Map<number, TickMode | null> {
    const out = new Map<number, TickMode | null>();
    for (const token of this.dirty) out.set(token, this.wantedMode(token) ?? null);
    this.dirty = new Set();
    return out;
  }

  /** Applies `changes` (see takeDemandChanges) as `holder`'s interest. */
  applyDemandChanges(holder: string, changes: ReadonlyMap<number, TickMode | null>): void {
    for (const [token, mode] of changes) {
      if (mode === null) this.release(holder, [token]);
      else if (this.wanted.get(token)?.get(holder) !== mode) this.acquire(holder, [{ token, mode }]);
    }
  }

  private wantedMode(token: number): TickMode | undefined {
    let best: TickMode | undefined;
    for (const m of this.wanted.get(token)?.values() ?? []) {
      if (!best || MODE_RANK[m] > MODE_RANK[best]) best = m;
    }
    return best;
  }

  /** Applies pending interest to the upstream view and returns the messages each shard needs. */
  takeChanges(): ShardChange[] {
    const changes = new Map<number, ShardChange>();
    const change = (shard: number) => {
      let c = changes.get(shard);
      if (!c) changes.set(shard, (c = { shard, subscribe: [], unsubscribe: [], mode: new Map() }));
      return c;
    };
    // Releases first, so the room they free can be used by new instruments in the same batch.
    const order = [...this.dirty].sort((a, b) => Number(this.wanted.has(a)) - Number(this.wanted.has(b)));
    this.dirty = new Set();
    for (const token of order) {
      const want = this.wantedMode(token);
      const up = this.upstream.get(token);
      if (!want && up) {
        this.upstream.delete(token);
        this.shardSizes[up.shard]--;
        change(up.shard).unsubscribe.push(token);
      } else if (want && !up) {
        const shard = this.shardSizes.findIndex((n) => n < this.perShard);
        if (shard < 0) continue;
        this.upstream.set(token, { shard, mode: want });
        this.shardSizes[shard]++;
        const c = change(shard);
        c.subscribe.push(token);
        c.mode.set(want, [...(c.mode.get(want) ?? []), token]);
      } else if (want && up && want !== up.mode) {
        up.mode = want;
        const c = change(up.shard);
        c.mode.set(want, [...(c.mode.get(want) ?? []), token]);
      }
    }
    return [...changes.values()];
  }

  /** Everything a shard holds upstream, for resubscribing after a reconnect. */
  shardState(shard: number): Map<TickMode, number[]> {
    const out = new Map<TickMode, number[]>();
    for (const [token, up] of this.upstream) {
      if (up.shard === shard) out.set(up.mode, [...(out.get(up.mode) ?? []), token]);
    }
    return out;
  }

  /** Shards that hold at least one instrument (shard 0 always counts: the feed keeps one connection). */
  activeShards(): number[] {
    return this.shardSizes.map((n, i) => (i === 0 || n > 0 ? i : -1)).filter((i) => i >= 0);
  }

  /** Instruments subscribed upstream (after the last `takeChanges`). */
  get upstreamCount(): number {
    return this.upstream.size;
  }

  upstreamMode(token: number): TickMode | undefined {
    return this.upstream.get(token)?.mode;
  }
}
