import type { TickMode } from '../kite/kite.constants.js';

/** What the fan-out needs of a client's socket (a `ws` WebSocket has both). */
export interface PacketSink {
  readonly bufferedAmount: number;
  /** Writes a frame; `data` may be reused once this returns (copy it to keep it). */
  send(data: Buffer): void;
}

/** What the fan-out counts. */
export interface FanoutCounters {
  frames: { inc(n?: number): void };
  bytes: { inc(n?: number): void };
  packets: { inc(n?: number): void };
  heartbeats: { inc(n?: number): void };
  conflated: { inc(n?: number): void };
}

export interface FanoutOptions {
  /** A client whose socket buffers more than this is slow: it gets the latest packet per instrument. */
  slowBytes: number;
  /** A client sent nothing for this long gets a heartbeat. */
  heartbeatMs: number;
  /**
   * At most one data frame per client in this many ms (0: every upstream frame at once). Packets
   * that come sooner wait, in order and none dropped, and go out together when the window ends.
   */
  frameWindowMs?: number;
  now: () => number;
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

/** Packets held for a client until its window ends: Kite's frame layout, built in place. */
export interface HeldPackets {
  /** `[u16 count]([u16 len][packet])…` up to `used`; the count is written when it goes out. */
  buf: Buffer;
  used: number;
  packets: number;
}

/** One client of the fan-out. */
export interface FanoutMember {
  readonly sink: PacketSink;
  group?: Group;
  lastSentAt: number;
  /** When it was last sent a data frame (not a heartbeat): the frame window counts from here. */
  lastDataAt: number;
  /** Packets waiting for the end of the client's frame window (FrameWindow); kept for reuse. */
  held?: HeldPackets;
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
