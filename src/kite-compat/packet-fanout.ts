import type { TickMode } from '../kite/kite.constants.js';
import { FrameWindow } from './frame-window.js';
import {
  SubscriptionGroups,
  type FanoutCounters,
  type FanoutMember,
  type FanoutOptions,
  type Group,
  type PacketSink,
} from './subscription-groups.js';
import { frameOfPackets, frameOfSlices, HEARTBEAT_FRAME, sliceLength, splitFrame } from './packet-slices.js';

export type { FanoutCounters, FanoutMember, FanoutOptions, PacketSink } from './subscription-groups.js';

/**
 * The Kite-protocol fan-out of one node. Each upstream frame's packet boundaries are read once;
 * clients with the same subscriptions share a group and one outgoing frame, made of slices of the
 * upstream packets cut to each instrument's mode. The latest packet per instrument is kept for
 * snapshots. A slow client gets only the latest slice per instrument until its socket drains.
 */
export class PacketFanout {
  private readonly groups = new SubscriptionGroups();
  private readonly members = new Set<FanoutMember>();
  private readonly latest = new Map<number, { packet: Buffer; at: number }>();
  private seq = 0;
  private readonly window: FrameWindow;
  private readonly sent = { frames: 0, bytes: 0, packets: 0 };

  constructor(
    private readonly o: FanoutOptions,
    private readonly m: FanoutCounters,
  ) {
    this.window = new FrameWindow(
      o.frameWindowMs ?? 0,
      o.now,
      (member, payload, packets, now) => this.send(member, payload, packets, now),
      () => this.report(),
    );
  }

  get size(): number {
    return this.members.size;
  }

  add(sink: PacketSink): FanoutMember {
    const member: FanoutMember = { sink, lastSentAt: this.o.now(), lastDataAt: -Infinity };
    this.members.add(member);
    return member;
  }

  remove(member: FanoutMember): void {
    this.groups.leave(member);
    this.members.delete(member);
    this.window.drop(member);
  }

  /** Stops the window's timer (shutdown). */
  close(): void {
    this.window.close();
  }

  /** The client's subscriptions changed: it moves to the group of its new set. */
  setSubscriptions(member: FanoutMember, subs: ReadonlyMap<number, TickMode>): void {
    if (member.pending) for (const t of member.pending.keys()) if (!subs.has(t)) member.pending.delete(t);
    this.window.trim(member, subs, this.o.now());
    this.groups.join(member, subs);
  }

  /** Whether the client is behind and gets conflated packets (admin list, tests). */
  isSlow(member: FanoutMember): boolean {
    return member.pending !== undefined;
  }

  /** The latest packet of each of `tokens` no older than `maxAgeMs`, cut to `mode`, in one frame at once. */
  snapshot(member: FanoutMember, tokens: readonly number[], mode: TickMode, maxAgeMs: number): number {
    return this.snapshotTokens(member, tokens, mode, maxAgeMs).length;
  }

  /** As snapshot(); returns the instruments it sent a packet of. */
  snapshotTokens(
    member: FanoutMember,
    tokens: readonly number[],
    mode: TickMode,
    maxAgeMs: number,
  ): number[] {
    const now = this.o.now();
    const slices: Buffer[] = [];
    const sliced: number[] = [];
    for (const t of tokens) {
      const l = this.latest.get(t);
      const len = l && now - l.at <= maxAgeMs ? sliceLength(mode, l.packet.length) : 0;
      if (len === 0) continue;
      slices.push(l!.packet.subarray(0, len));
      sliced.push(t);
    }
    this.sendPackets(member, sliced, slices);
    return sliced;
  }

  /** The latest packet entry of `token` (compared by identity: did a newer packet come meanwhile?). */
  latestOf(token: number): object | undefined {
    return this.latest.get(token);
  }

  /** Packets made elsewhere (a snapshot from the shared cache), in one frame, or queued for a slow client. */
  sendPackets(member: FanoutMember, tokens: readonly number[], packets: readonly Buffer[]): void {
    if (packets.length === 0) return;
    if (member.pending) {
      for (let i = 0; i < packets.length; i++) member.pending.set(tokens[i], Buffer.from(packets[i]));
    } else {
      const now = this.o.now();
      // What was held came first: it goes out before the snapshot, and the window starts again.
      this.window.flush(member, now);
      this.send(member, frameOfPackets(packets), packets.length, now);
      this.report();
    }
  }

  /**
   * One upstream frame, as Kite sent it. `dropRepeats` (right after an upstream takeover): a packet
   * equal to the latest one of its instrument was already delivered by the old holder and is dropped.
   */
  ingest(data: Buffer, dropRepeats = false): void {
    const p = splitFrame(data);
    if (p.count === 0) return;
    const now = this.o.now();
    const seq = ++this.seq;
    const touched: Group[] = [];
    for (let i = 0; i < p.count; i++) {
      const token = p.tokens[i];
      const start = p.starts[i];
      const length = p.lengths[i];
      if (dropRepeats && this.repeats(token, data, start, length)) continue;
      // A copy: the upstream frame is not kept alive by one instrument's latest packet.
      this.latest.set(token, { packet: Buffer.from(data.subarray(start, start + length)), at: now });
      const groups = this.groups.of(token);
      if (!groups) continue;
      for (const g of groups) {
        const len = sliceLength(g.modes.get(token)!, length);
        if (len === 0) continue;
        if (g.seq !== seq) {
          g.seq = seq;
          g.n = 0;
          touched.push(g);
        }
        g.tokens[g.n] = token;
        g.starts[g.n] = start;
        g.lengths[g.n] = len;
        g.n++;
      }
    }
    for (const g of touched) {
      let frame: Buffer | undefined;
      for (const member of g.members) {
        if (member.pending || member.sink.bufferedAmount > this.o.slowBytes) {
          this.foldHeld(member);
          this.conflate(member, data, g);
          this.drain(member, now);
          continue;
        }
        if (this.window.holds(member, now)) {
          this.window.hold(member, data, g.starts, g.lengths, g.n, now);
          continue;
        }
        frame ??= frameOfSlices(data, g.starts, g.lengths, g.n);
        this.send(member, frame, g.n, now);
      }
    }
    this.report();
  }

  /** Every heartbeat interval or more often: heartbeats to idle clients; drained slow clients catch up. */
  tick(): void {
    const now = this.o.now();
    let heartbeats = 0;
    for (const member of this.members) {
      if (member.pending) this.drain(member, now);
      if (!this.window.isHeld(member) && now - member.lastSentAt >= this.o.heartbeatMs) {
        member.sink.send(HEARTBEAT_FRAME);
        member.lastSentAt = now;
        heartbeats++;
      }
    }
    if (heartbeats > 0) this.m.heartbeats.inc(heartbeats);
    this.report();
  }

  private repeats(token: number, data: Buffer, start: number, length: number): boolean {
    const last = this.latest.get(token)?.packet;
    if (!last) return false;
    const n = Math.min(last.length, length);
    return last.compare(data, start, start + n, 0, n) === 0;
  }

  /** A held client turned slow: its held packets join the latest-per-instrument ones. */
  private foldHeld(member: FanoutMember): void {
    const t = this.window.take(member);
    if (!t) return;
    const pending = (member.pending ??= new Map());
    for (let i = 0; i < t.p.count; i++) {
      if (pending.has(t.p.tokens[i])) this.m.conflated.inc();
      pending.set(t.p.tokens[i], t.data.subarray(t.p.starts[i], t.p.starts[i] + t.p.lengths[i]));
    }
  }

  private conflate(member: FanoutMember, data: Buffer, g: Group): void {
    const pending = (member.pending ??= new Map());
    for (let k = 0; k < g.n; k++) {
      if (pending.has(g.tokens[k])) this.m.conflated.inc();
      pending.set(g.tokens[k], Buffer.from(data.subarray(g.starts[k], g.starts[k] + g.lengths[k])));
    }
  }

  /** A slow client whose socket drained gets its conflated packets in one frame and is no longer slow. */
  private drain(member: FanoutMember, now: number): void {
    const pending = member.pending;
    if (!pending || member.sink.bufferedAmount > this.o.slowBytes) return;
    member.pending = undefined;
    if (pending.size > 0) this.send(member, frameOfPackets([...pending.values()]), pending.size, now);
  }

  private send(member: FanoutMember, frame: Buffer, packets: number, now: number): void {
    member.sink.send(frame);
    member.lastSentAt = member.lastDataAt = now;
    this.sent.frames++;
    this.sent.bytes += frame.length;
    this.sent.packets += packets;
  }

  /** The counters are told once per frame fanned out, not once per client. */
  private report(): void {
    const s = this.sent;
    if (s.frames === 0) return;
    this.m.frames.inc(s.frames);
    this.m.bytes.inc(s.bytes);
    this.m.packets.inc(s.packets);
    s.frames = s.bytes = s.packets = 0;
  }
}
