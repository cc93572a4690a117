import { Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { Namespace } from 'socket.io';
import { MODES, MODE_RANK, type TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import { CLIENT, room, type MarketSocket } from './client-state.js';
import { bufferedPackets } from './engine-internals.js';
import { planFlush } from './plan-flush.js';
import { projectTick } from './project-tick.js';
import { COMPACT_ROOM, emitTicks } from './tick-encoding.js';

/** A client whose engine buffer holds more packets than this is slow: it gets conflated ticks. */
const SLOW_BUFFER = 64;
const SLOW_ROOM = '__slow';
/** How often engine buffers are checked: bounds how far a slow client's buffer can grow past SLOW_BUFFER. */
const SLOW_CHECK_MS = 50;

/**
 * The fan-out of one node: ticks are batched per room (instrument × mode) until the next turn of
 * the event loop, then every client gets one packet (planFlush). A slow client — its engine.io
 * buffer past 64 packets — gets only the latest tick per instrument until it drains, so it never
 * holds up the others and never grows without bound.
 */
export class TickFanout {
  private readonly logger = new Logger(TickFanout.name);
  private batch = new Map<string, Tick[]>();
  private flushScheduled = false;
  private readonly slowCheck: NodeJS.Timeout;

  constructor(
    private readonly ns: Namespace,
    private readonly m: { delivered: Counter; conflated: Counter },
  ) {
    this.slowCheck = setInterval(() => this.markSlowClients(), SLOW_CHECK_MS);
    this.slowCheck.unref();
  }

  close(): void {
    clearInterval(this.slowCheck);
  }

  /** Queues ticks for every room that has members, each projected to its room's mode. */
  enqueue(ticks: readonly Tick[]): void {
    const rooms = this.ns.adapter.rooms;
    for (const tick of ticks) {
      for (const mode of MODES) {
        if (MODE_RANK[mode] > MODE_RANK[tick.mode]) break;
        const r = room(tick.instrument_token, mode);
        if (!rooms.has(r)) continue;
        const list = this.batch.get(r);
        const t = projectTick(tick, mode);
        if (list) list.push(t);
        else this.batch.set(r, [t]);
      }
    }
    if (!this.flushScheduled && this.batch.size > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Whether a tick of `token` waits in this turn's batch for the room of `mode` (its members get it at the flush). */
  queued(token: number, mode: TickMode): boolean {
    return this.batch.has(room(token, mode));
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.batch;
    this.batch = new Map();
    const rooms = this.ns.adapter.rooms;
    const plan = planFlush(batch, rooms, rooms.get(SLOW_ROOM), rooms.get(COMPACT_ROOM));
    for (const [id, packet] of plan.packets) this.ns.sockets.get(id)?.conn.write(packet);
    for (const [id, ticks] of plan.conflate) this.conflate(id, ticks);
    this.m.delivered.inc(plan.delivered);
  }

  private conflate(id: string, ticks: Tick[]): void {
    const socket = this.ns.sockets.get(id) as MarketSocket | undefined;
    if (!socket) return;
    const pending = (socket.data[CLIENT].pending ??= new Map());
    for (const t of ticks) {
      if (pending.has(t.instrument_token)) this.m.conflated.inc();
      pending.set(t.instrument_token, t);
    }
  }

  /** What the server holds for one client: engine packets queued, conflated ticks, slow or not. */
  backlog(socket: MarketSocket): { packets: number; pending: number; slow: boolean } {
    return {
      packets: bufferedPackets(socket),
      pending: socket.data[CLIENT].pending?.size ?? 0,
      slow: socket.rooms.has(SLOW_ROOM),
    };
  }

  private markSlowClients(): void {
    for (const socket of this.ns.sockets.values() as IterableIterator<MarketSocket>) {
      if (bufferedPackets(socket) > SLOW_BUFFER && !socket.rooms.has(SLOW_ROOM)) {
        void socket.join(SLOW_ROOM);
        socket.data.slow = true;
        // Only a slow client listens for its transport to drain.
        const state = socket.data[CLIENT];
        state.onDrain = () => this.drained(socket);
        socket.conn.on('drain', state.onDrain);
        this.logger.debug(`client ${socket.id} is slow: conflating its ticks`);
      }
    }
  }

  /** The client's transport drained: back on the live flow once its buffer is half empty, with what it missed. */
  private drained(socket: MarketSocket): void {
    if (!socket.rooms.has(SLOW_ROOM) || bufferedPackets(socket) > SLOW_BUFFER / 2) return;
    const state = socket.data[CLIENT];
    if (state.onDrain) socket.conn.off('drain', state.onDrain);
    state.onDrain = undefined;
    const pending = state.pending;
    state.pending = undefined;
    socket.data.slow = false;
    void socket.leave(SLOW_ROOM);
    if (pending && pending.size > 0) {
      emitTicks(socket, [...pending.values()]);
      this.m.delivered.inc(pending.size);
    }
  }
}
