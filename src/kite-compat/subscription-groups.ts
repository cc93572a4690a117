import type { TickMode } from '../kite/kite.constants.js';

/** What the fan-out needs of a client's socket (a `ws` WebSocket has both). */
export interface PacketSink {
  readonly bufferedAmount: number;
  send(data: Buffer): void;
}

/** Clients with the same subscriptions (instrument → mode): one frame is built for all of them. */
export interface Group {
  readonly key: string;
  readonly modes: ReadonlyMap<number, TickMode>;
  readonly members: Set<FanoutMember>;
  /** The frame sequence this group's slice lists belong to. */
  seq: number;
  n: number;
  tokens: number[];
  starts: number[];
  lengths: number[];
}

/** One client of the fan-out. */
export interface FanoutMember {
  readonly sink: PacketSink;
  group?: Group;
  lastSentAt: number;
  /** Set while slow: the latest slice per instrument, sent once the socket drains. */
  pending?: Map<number, Buffer>;
}

/**
 * Clients grouped by their exact subscriptions (instrument → mode), and the groups of each
 * instrument: an upstream packet is cut and framed once per group, not once per client.
 */
export class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();
  private readonly byToken = new Map<number, Set<Group>>();

  /** The groups holding `token`, if any. */
  of(token: number): ReadonlySet<Group> | undefined {
    return this.byToken.get(token);
  }

  /** Moves `member` to the group of `subs` (none when empty). */
  join(member: FanoutMember, subs: ReadonlyMap<number, TickMode>): void {
    const key = [...subs]
      .map(([t, m]) => `${t}${m[0]}`)
      .sort()
      .join(',');
    if (member.group?.key === key) return;
    this.leave(member);
    if (subs.size === 0) return;
    let g = this.groups.get(key);
    if (!g) {
      g = {
        key,
        modes: new Map(subs),
        members: new Set(),
        seq: -1,
        n: 0,
        tokens: [],
        starts: [],
        lengths: [],
      };
      this.groups.set(key, g);
      for (const t of subs.keys()) {
        let set = this.byToken.get(t);
        if (!set) this.byToken.set(t, (set = new Set()));
        set.add(g);
      }
    }
    g.members.add(member);
    member.group = g;
  }

  leave(member: FanoutMember): void {
    const g = member.group;
    if (!g) return;
    member.group = undefined;
    g.members.delete(member);
    if (g.members.size > 0) return;
    this.groups.delete(g.key);
    for (const t of g.modes.keys()) {
      const set = this.byToken.get(t);
      set?.delete(g);
      if (set?.size === 0) this.byToken.delete(t);
    }
  }
}
