import type { TickMode } from '../kite/kite.constants.js';
import { sliceLength, splitFrame, type FramePackets } from './packet-slices.js';
import type { FanoutMember, HeldPackets } from './subscription-groups.js';

/** At most this many packets in one frame (Kite's u16 count). */
const MAX_FRAME_PACKETS = 65_535;
/** A held buffer grown past this is let go after it is sent, not kept for the next window. */
const KEEP_BYTES = 64 * 1024;

/**
 * KITE_WS_FLUSH_MS: at most one data frame per client per window. Packets that come sooner are
 * appended to the client's own buffer (reused from window to window, so holding makes no garbage)
 * and go out in one frame when the window ends, in order, none dropped. One timer serves every
 * client; the window counts from the client's last data frame, so a client that was sent nothing
 * for a window gets the next frame at once.
 */
export class FrameWindow {
  private readonly holding = new Set<FanoutMember>();
  private timer?: NodeJS.Timeout;
  private due = Infinity;

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number,
    /** Sends a held frame; `payload` is valid only during the call (the buffer is reused). */
    private readonly sendOut: (member: FanoutMember, payload: Buffer, packets: number, now: number) => void,
    /** After the due clients were sent (the counters are told once). */
    private readonly afterFlush: () => void,
  ) {}

  /** Whether this frame for `member` waits (its window is open, or packets already wait). */
  holds(member: FanoutMember, now: number): boolean {
    return this.windowMs > 0 && (this.isHeld(member) || now - member.lastDataAt < this.windowMs);
  }

  isHeld(member: FanoutMember): boolean {
    return (member.held?.packets ?? 0) > 0;
  }

  /** Appends `n` slices of `src` (start, length each) to what `member` holds. */
  hold(member: FanoutMember, src: Buffer, starts: number[], lengths: number[], n: number, now: number): void {
    if (this.isHeld(member) && member.held!.packets + n > MAX_FRAME_PACKETS) this.flush(member, now);
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += 2 + lengths[i];
    const h = this.room(member, bytes);
    if (h.packets === 0) {
      this.holding.add(member);
      this.arm(member.lastDataAt + this.windowMs, now);
    }
    let o = h.used;
    for (let i = 0; i < n; i++) {
      h.buf.writeUInt16BE(lengths[i], o);
      o += 2 + src.copy(h.buf, o + 2, starts[i], starts[i] + lengths[i]);
    }
    h.used = o;
    h.packets += n;
  }

  /** Sends what `member` holds now (before a snapshot, or a frame that would overflow). */
  flush(member: FanoutMember, now: number): void {
    const h = member.held;
    if (!h || h.packets === 0) return;
    h.buf.writeUInt16BE(h.packets, 0);
    const packets = h.packets;
    this.clear(member);
    this.sendOut(member, h.buf.subarray(0, h.used), packets, now);
    h.used = 2;
    if (h.buf.length > KEEP_BYTES) member.held = undefined;
  }

  /** Takes what `member` holds without sending it: the packets and the buffer they lie in. */
  take(member: FanoutMember): { data: Buffer; p: FramePackets } | undefined {
    const h = member.held;
    if (!h || h.packets === 0) return undefined;
    h.buf.writeUInt16BE(h.packets, 0);
    const data = Buffer.from(h.buf.subarray(0, h.used));
    this.clear(member);
    h.used = 2;
    return { data, p: splitFrame(data) };
  }

  /** Held packets of instruments `member` left are dropped; a lowered mode cuts them (raised: kept). */
  trim(member: FanoutMember, subs: ReadonlyMap<number, TickMode>, now: number): void {
    const t = this.take(member);
    if (!t) return;
    const starts: number[] = [];
    const lengths: number[] = [];
    for (let i = 0; i < t.p.count; i++) {
      const mode = subs.get(t.p.tokens[i]);
      if (!mode) continue;
      starts.push(t.p.starts[i]);
      lengths.push(Math.min(sliceLength(mode, t.p.lengths[i]) || t.p.lengths[i], t.p.lengths[i]));
    }
    if (starts.length > 0) this.hold(member, t.data, starts, lengths, starts.length, now);
  }

  /** The client is gone. */
  drop(member: FanoutMember): void {
    this.holding.delete(member);
    member.held = undefined;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private clear(member: FanoutMember): void {
    member.held!.packets = 0;
    this.holding.delete(member);
  }

  private room(member: FanoutMember, bytes: number): HeldPackets {
    const h = (member.held ??= { buf: Buffer.allocUnsafeSlow(4096), used: 2, packets: 0 });
    if (h.used + bytes > h.buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(h.buf.length * 2, h.used + bytes));
      h.buf.copy(bigger, 0, 0, h.used);
      h.buf = bigger;
    }
    return h;
  }

  private arm(due: number, now: number): void {
    if (this.timer && due >= this.due) return;
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => this.flushDue(), Math.max(0, due - now));
    this.timer.unref?.();
  }

  /** Sends every client whose window has ended; the timer is set again for the next one. */
  private flushDue(): void {
    this.timer = undefined;
    this.due = Infinity;
    const now = this.now();
    let next = Infinity;
    for (const member of this.holding) {
      const due = member.lastDataAt + this.windowMs;
      if (due <= now) this.flush(member, now);
      else next = Math.min(next, due);
    }
    this.afterFlush();
    if (next !== Infinity) this.arm(next, now);
  }
}
