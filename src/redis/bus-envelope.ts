import { MAC_BYTES, macOf, sameMac } from './cluster-mac.js';

/** Version 1 was the unsigned frame header; anything of it is dropped as unsigned. */
const UNSIGNED_V1 = 1;
const VERSION = 2;
const HEAD = 1 + MAC_BYTES;
const FIXED = HEAD + 8 + 8 + 4 + 1;

/** Who sent a bus message, when, and its place in that sender's sequence (replays are refused). */
export interface Envelope {
  nodeId: string;
  /** Random per process: a restarted node starts a new sequence. */
  boot: number;
  seq: number;
  /** Sender's wall clock, epoch ms. */
  sentAt: number;
  body: Buffer;
}

export type OpenedEnvelope =
  { ok: true; envelope: Envelope } | { ok: false; reason: 'unsigned' | 'bad_signature' | 'malformed' };

/**
 * `[2][HMAC-SHA256 32][sentAt f64][seq f64][boot u32][id length u8][node id][body]`, big-endian.
 * The MAC covers the channel name (with the deployment's key prefix) and everything after it, so a
 * frame cannot pass as a message, nor one deployment's message as another's.
 */
export function sealEnvelope(key: Buffer, channel: string, e: Envelope): Buffer {
  const id = Buffer.from(e.nodeId, 'utf8');
  const out = Buffer.allocUnsafe(FIXED + id.length + e.body.length);
  out.writeUInt8(VERSION, 0);
  out.writeDoubleBE(e.sentAt, HEAD);
  out.writeDoubleBE(e.seq, HEAD + 8);
  out.writeUInt32BE(e.boot, HEAD + 16);
  out.writeUInt8(id.length, HEAD + 20);
  id.copy(out, FIXED);
  e.body.copy(out, FIXED + id.length);
  macOf(key, [channel, out.subarray(HEAD)]).copy(out, 1);
  return out;
}

/** Checks the MAC first (nothing unsigned is parsed further), then reads the envelope. */
export function openEnvelope(key: Buffer, channel: string, raw: Buffer): OpenedEnvelope {
  if (raw.length === 0 || raw[0] === UNSIGNED_V1 || raw[0] === 0x7b /* '{': unsigned JSON */) {
    return { ok: false, reason: 'unsigned' };
  }
  if (raw[0] !== VERSION || raw.length < FIXED) return { ok: false, reason: 'malformed' };
  if (!sameMac(raw.subarray(1, HEAD), macOf(key, [channel, raw.subarray(HEAD)]))) {
    return { ok: false, reason: 'bad_signature' };
  }
  const idLength = raw.readUInt8(HEAD + 20);
  if (raw.length < FIXED + idLength) return { ok: false, reason: 'malformed' };
  return {
    ok: true,
    envelope: {
      sentAt: raw.readDoubleBE(HEAD),
      seq: raw.readDoubleBE(HEAD + 8),
      boot: raw.readUInt32BE(HEAD + 16),
      nodeId: raw.toString('utf8', FIXED, FIXED + idLength),
      body: raw.subarray(FIXED + idLength),
    },
  };
}
