import type { Tick } from '../kite/tick.js';
import { compactRow } from '../contracts/compact-tick.contract.js';
import { MARKET_NAMESPACE } from '../contracts/socket-protocol.contract.js';

type TicksEvent = 'ticks' | 'ticks_compact';

/** A Socket.IO v5 EVENT packet (type 2) on namespace /market, named after the event, up to its array. */
const PACKET_PREFIX: Record<TicksEvent, string> = {
  ticks: `2${MARKET_NAMESPACE},["ticks",[`,
  ticks_compact: `2${MARKET_NAMESPACE},["ticks_compact",[`,
};

/**
 * The `ticks` event (or `ticks_compact`) as Socket.IO's encoder writes it (`2/market,["ticks",[…]]`),
 * from ticks (rows) already serialized without their enclosing brackets (each part is
 * `JSON.stringify(ticks).slice(1, -1)`).
 */
export function ticksPacket(parts: readonly string[], event: TicksEvent = 'ticks'): string {
  return `${PACKET_PREFIX[event]}${parts.join(',')}]]`;
}

export interface FlushPlan {
  /** Socket id → the one engine.io packet it gets this flush. */
  packets: Map<string, string>;
  /** Socket id → the ticks a slow client gets conflated instead (latest per instrument wins). */
  conflate: Map<string, Tick[]>;
  /** Ticks written to clients (one per tick per client), for the delivered counter. */
  delivered: number;
}

/**
 * One flush of the fan-out, as a pure function: `batch` holds each room's ticks since the last
 * flush, `rooms` the members of each room, `slow` the clients being conflated. Each room's ticks
 * are serialized once, whatever its size, and each client gets one packet holding every tick of
 * every room it is in. Emitting per room instead sends a client one packet per instrument, which
 * at 1,000 clients × 50 instruments is ten times the writes (`npm run bench`). The clients in
 * `compact` get the room's rows instead (`ticks_compact`): each encoding of a room is serialized
 * once, and only when one of its clients asked for it, so a room of JSON clients costs what it did.
 */
export function planFlush(
  batch: ReadonlyMap<string, Tick[]>,
  rooms: ReadonlyMap<string, ReadonlySet<string>>,
  slow?: ReadonlySet<string>,
  compact?: ReadonlySet<string>,
): FlushPlan {
  const perClient = new Map<string, string[]>();
  const conflate = new Map<string, Tick[]>();
  let delivered = 0;
  for (const [room, ticks] of batch) {
    const members = rooms.get(room);
    if (!members) continue;
    let serialized: string | undefined;
    let rows: string | undefined;
    for (const id of members) {
      if (slow?.has(id)) {
        const list = conflate.get(id);
        if (list) list.push(...ticks);
        else conflate.set(id, [...ticks]);
        continue;
      }
      let part: string;
      if (compact?.has(id)) part = rows ??= JSON.stringify(ticks.map(compactRow)).slice(1, -1);
      else part = serialized ??= JSON.stringify(ticks).slice(1, -1);
      const parts = perClient.get(id);
      if (parts) parts.push(part);
      else perClient.set(id, [part]);
      delivered += ticks.length;
    }
  }
  const packets = new Map<string, string>();
  for (const [id, parts] of perClient) {
    packets.set(id, ticksPacket(parts, compact?.has(id) ? 'ticks_compact' : 'ticks'));
  }
  return { packets, conflate, delivered };
}
