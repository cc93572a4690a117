import type { TickMode } from '../kite/kite.constants.js';

/** One binary frame exactly as Kite sent it, as a node's tick source delivers it. */
export interface SourceFrame {
  /** The raw frame bytes, unchanged. */
  readonly data: Buffer;
  /** When this node received it (epoch ms, Date.now()). */
  readonly receivedAt: number;
  /** The upstream shard (connection index) it came on; null when it came over the bus. */
  readonly shard: number | null;
  /** The fencing number of the upstream tenure; null on a standalone node. */
  readonly fencing: number | null;
  /** Where it came from: this node's own upstream, or the holder's over the cluster bus. */
  readonly origin: 'upstream' | 'bus';
  /** Right after a takeover: ticks already delivered are to be skipped. */
  readonly dropRepeats: boolean;
}

/**
 * The one place a node's ticks come from (the port): its own upstream when it holds the lease (or
 * stands alone), the holder's frames over the bus otherwise. Every admitted frame goes to every
 * subscriber once; frames of a stale tenure never do.
 */
export interface TickSource {
  /** Subscribes to every admitted frame; returns the unsubscribe function. */
  onFrame(listener: (frame: SourceFrame) => void): () => void;
  /** Subscribes to what happens on this node's own upstream besides binary frames (the tape records it). */
  onUpstreamEvent(listener: (event: SourceEvent) => void): () => void;
}

/**
 * What this node's own upstream did besides sending binary frames, per shard (connection index):
 * a Kite text frame exactly as received, a connection opened or lost, subscription messages sent.
 * Only the node that runs the upstream (holder or standalone) raises them; followers never do.
 */
export type UpstreamEvent =
  | { kind: 'text'; shard: number; text: string; type: 'order' | 'error' | 'message' | 'unknown' }
  | { kind: 'connect'; shard: number }
  | { kind: 'disconnect'; shard: number; reason: string }
  | {
      kind: 'subscription';
      shard: number;
      subscribe: number[];
      unsubscribe: number[];
      mode: Partial<Record<TickMode, number[]>>;
      /** True when a (re)opened connection subscribed its whole state. */
      full: boolean;
    };

/** An UpstreamEvent as the port delivers it: with when (epoch ms, Date.now()) and the tenure's fencing number. */
export type SourceEvent = UpstreamEvent & { readonly receivedAt: number; readonly fencing: number | null };

/** Injection token of the node's TickSource. */
export const TICK_SOURCE = Symbol('TICK_SOURCE');
