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
 * Who wants which instrument in which mode. The upstream mode of an instrument is the highest any
 * client wants; instruments are spread over up to 3 shards of 3000. Changes accumulate until
 * `takeChanges`, so bursts from many clients become few upstream messages.
 */
export class SubscriptionRegistry {
  private readonly wanted = new Map<number, Map<string, TickMode>>();
  private readonly upstream = new Map<number, { shard: number; mode: TickMode }>();
  private readonly shardSizes: number[] = new Array<number>(MAX_CONNECTIONS_PER_KEY).fill(0);
  private dirty = new Set<number>();

  constructor(
    private readonly perShard = MAX_INSTRUMENTS_PER_CONNECTION,
    private readonly maxShards = MAX_CONNECTIONS_PER_KEY,
  ) {}

  acquire(client: string, items: readonly { token: number; mode: TickMode }[]): AcquireResult {
    const result: AcquireResult = { accepted: [], rejected: [] };
    for (const { token, mode } of items) {
      let clients = this.wanted.get(token);
      if (!clients) {
        if (this.wanted.size >= this.perShard * this.maxShards) {
          result.rejected.push({ token, reason: 'capacity' });
          continue;
        }
        clients = new Map();
        this.wanted.set(token, clients);
      }
      clients.set(client, mode);
      this.dirty.add(token);
      result.accepted.push({ token, mode });
    }
    return result;
  }

  /** Releases the client's interest in `tokens` (all of them when omitted); returns what it held. */
  release(client: string, tokens?: Iterable<number>): number[] {
    const released: number[] = [];
    for (const token of tokens ?? [...this.wanted.keys()]) {
      const clients = this.wanted.get(token);
      if (!clients?.delete(client)) continue;
      released.push(token);
      if (clients.size === 0) this.wanted.delete(token);
      this.dirty.add(token);
    }
    return released;
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
        const shard = this.shardSizes.findIndex((n, i) => i < this.maxShards && n < this.perShard);
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

  get upstreamCount(): number {
    return this.upstream.size;
  }

  hasPending(): boolean {
    return this.dirty.size > 0;
  }

  upstreamMode(token: number): TickMode | undefined {
    return this.upstream.get(token)?.mode;
  }
}
