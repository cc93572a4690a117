import { decodeFrame } from '../kite/decode-frame.js';
import { framePackets, buildFrame, type PacketSlice } from '../kite/frame-packets.js';
import { packetLength } from '../kite/encode-frame.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';

/** One recorded binary frame and when it was received (epoch ms of the recording's clock). */
export interface ReplayFrame {
  at: number;
  data: Buffer;
}

export interface ReplayOptions {
  /** Opens the tape from its start, in time order; called again for `loop`. */
  open: () => Iterator<ReplayFrame>;
  /** The tape time the clock starts at (the first frame's time, or `--from`). */
  startsAt: number;
  /** Tape milliseconds per real millisecond (default 1). */
  speed?: number;
  /** Start the clock at once instead of at the first ticker subscription. */
  startNow?: boolean;
  /** Start over at the end of the tape. */
  loop?: boolean;
}

/**
 * The simulator's replay mode: recorded frames at their recorded times scaled by `speed`, on a clock
 * that starts when the first ticker connection subscribes (or at once). `due()` hands out the frames
 * whose time has come; `slice()` cuts one to what a connection subscribed, in its mode, as Kite would
 * (a lower mode is a byte prefix of a higher one), keeping the recorded packet bytes unchanged.
 */
export class ReplayPlayer {
  private readonly speed: number;
  private iter: Iterator<ReplayFrame>;
  private next?: ReplayFrame;
  private startedReal?: number;
  private ended = false;
  /** The last recorded packet per instrument, for the quote routes. */
  private readonly latest = new Map<number, Buffer>();
  framesPlayed = 0;

  constructor(private readonly o: ReplayOptions) {
    this.speed = o.speed ?? 1;
    this.iter = o.open();
    if (o.startNow) this.start();
  }

  get started(): boolean {
    return this.startedReal !== undefined;
  }

  get finished(): boolean {
    return this.ended;
  }

  /** Starts the tape's clock (idempotent). */
  start(): void {
    this.startedReal ??= Date.now();
  }

  /** The tape's clock: its start until started, then moving `speed` times as fast as real time. */
  now(): number {
    if (this.startedReal === undefined) return this.o.startsAt;
    return this.o.startsAt + (Date.now() - this.startedReal) * this.speed;
  }

  /** The frames whose recorded time has come, in order (heartbeats left out: the ticker sends its own). */
  due(): Buffer[] {
    if (this.startedReal === undefined) return [];
    const out: Buffer[] = [];
    for (;;) {
      this.next ??= this.pull();
      if (!this.next || this.next.at > this.now()) break;
      const f = this.next;
      this.next = undefined;
      if (f.data.length <= 1) continue;
      this.framesPlayed++;
      for (const p of framePackets(f.data)) {
        this.latest.set(p.token, f.data.subarray(p.offset - 2, p.offset + p.length));
      }
      out.push(f.data);
    }
    return out;
  }

  /** `frame` as a connection subscribed to `modes` gets it; the very same buffer when nothing is cut. */
  static slice(
    frame: Buffer,
    slices: readonly PacketSlice[],
    modes: ReadonlyMap<number, TickMode>,
  ): Buffer | undefined {
    const parts: { slice: PacketSlice; keep: number }[] = [];
    let whole = true;
    for (const s of slices) {
      const mode = modes.get(s.token);
      if (!mode) {
        whole = false;
        continue;
      }
      const keep = packetLength(s.token, mode);
      if (keep < s.length) whole = false;
      parts.push({ slice: s, keep });
    }
    if (whole && parts.length > 0) return frame;
    return buildFrame(frame, parts);
  }

  /** The last recorded tick of `token` so far (the quote of the moment), if any. */
  quote(token: number): Tick | undefined {
    const packet = this.latest.get(token);
    if (!packet) return undefined;
    const frame = Buffer.concat([Buffer.from([0, 1]), packet]);
    return decodeFrame(frame).ticks[0];
  }

  private pull(): ReplayFrame | undefined {
    const r = this.iter.next();
    if (!r.done) return r.value;
    if (!this.o.loop) {
      this.ended = true;
      return undefined;
    }
    // Start over: the tape's clock goes back to its start, now.
    this.iter = this.o.open();
    this.startedReal = Date.now();
    const first = this.iter.next();
    return first.done ? undefined : first.value;
  }
}
