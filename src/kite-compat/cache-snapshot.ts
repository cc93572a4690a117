import type { CacheService } from '../cache/cache.service.js';
import { encodePacket, packetLength } from '../kite/encode-frame.js';
import { MODE_RANK, type TickMode } from '../kite/kite.constants.js';
import type { KiteClient } from './kite-client.js';
import type { PacketFanout } from './packet-fanout.js';

/**
 * The rest of a snapshot, for the instruments this node holds no fresh packet of (a follower that
 * started after their last tick, a quiet instrument): their quotes in the shared cache, encoded
 * as Kite packets in the client's mode. An instrument whose live packet came while the cache was
 * read, or that the client left meanwhile, is skipped: the live flow has it, nothing is sent twice.
 * Returns the packets sent.
 */
export async function snapshotFromCache(
  cache: Pick<CacheService, 'getQuotes'>,
  fanout: PacketFanout,
  c: KiteClient,
  tokens: readonly number[],
  mode: TickMode,
): Promise<number> {
  if (tokens.length === 0) return 0;
  const before = new Map(tokens.map((t) => [t, fanout.latestOf(t)]));
  const quotes = await cache.getQuotes(tokens); // never rejects (CacheService)
  if (c.closed) return 0;
  const sent: number[] = [];
  const packets: Buffer[] = [];
  for (const t of tokens) {
    const q = quotes.get(t);
    if (!q || fanout.latestOf(t) !== before.get(t) || c.state.subs.get(t) !== mode) continue;
    if (MODE_RANK[q.tick.mode] < MODE_RANK[mode]) continue;
    const packet = Buffer.alloc(packetLength(t, mode));
    encodePacket(q.tick, mode, new DataView(packet.buffer, packet.byteOffset, packet.length), 0);
    sent.push(t);
    packets.push(packet);
  }
  fanout.sendPackets(c.member, sent, packets);
  return packets.length;
}
