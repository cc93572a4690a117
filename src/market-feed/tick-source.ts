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
}

/** Injection token of the node's TickSource. */
export const TICK_SOURCE = Symbol('TICK_SOURCE');
