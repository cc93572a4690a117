import type { TickMode } from '../kite/kite.constants.js';
import type { SourceEvent } from '../market-feed/tick-source.js';
import { RecordKind, jsonPayload } from './tape-format.js';

/** The record kind and payload of an upstream event (docs/tape.md, the record table). */
export function eventRecord(e: SourceEvent): { kind: RecordKind; payload: Buffer } {
  switch (e.kind) {
    case 'text':
      return { kind: RecordKind.text, payload: Buffer.from(e.text, 'utf8') };
    case 'connect':
      return { kind: RecordKind.connect, payload: jsonPayload({}) };
    case 'disconnect':
      return { kind: RecordKind.disconnect, payload: jsonPayload({ reason: e.reason }) };
    case 'subscription': {
      const { subscribe, unsubscribe, mode, full } = e;
      return { kind: RecordKind.subscription, payload: jsonPayload({ subscribe, unsubscribe, mode, full }) };
    }
  }
}

/** What the upstream subscribes per shard (token → mode), followed from its subscription events. */
export class UpstreamSubscriptions {
  private readonly shards = new Map<number, Map<number, TickMode>>();

  track(e: Extract<SourceEvent, { kind: 'subscription' }>): void {
    let tokens = this.shards.get(e.shard);
    if (!tokens || e.full) this.shards.set(e.shard, (tokens = new Map<number, TickMode>()));
    for (const t of e.unsubscribe) tokens.delete(t);
    // Kite starts a new subscription in quote mode; a mode message moves it.
    for (const t of e.subscribe) tokens.set(t, 'quote');
    for (const [m, list] of Object.entries(e.mode) as [TickMode, number[]][]) {
      for (const t of list) tokens.set(t, m);
    }
  }

  /** One `full` subscription record payload per shard: the state a new segment starts from. */
  snapshot(): { shard: number; payload: Buffer }[] {
    return [...this.shards].map(([shard, tokens]) => {
      const mode: Partial<Record<TickMode, number[]>> = {};
      for (const [t, m] of tokens) (mode[m] ??= []).push(t);
      const payload = jsonPayload({ subscribe: [...tokens.keys()], unsubscribe: [], mode, full: true });
      return { shard, payload };
    });
  }
}
