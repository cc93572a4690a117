import type { TickMode } from '../kite/kite.constants.js';
import { modeMessage, subscribeMessage, unsubscribeMessage } from '../kite/messages.js';
import { TOKENS_PER_MESSAGE } from './market-feed.constants.js';
import type { ShardChange } from './subscription-registry.js';
import type { UpstreamEvent } from './tick-source.js';

/** What a shard's messages are written to: one ticker WebSocket's `send`. */
export interface MessageSink {
  send(text: string): boolean;
}

const modeRecord = (mode: Iterable<[TickMode, number[]]>): Partial<Record<TickMode, number[]>> => {
  const out: Partial<Record<TickMode, number[]>> = {};
  for (const [m, tokens] of mode) if (tokens.length > 0) out[m] = [...tokens];
  return out;
};

/** Kite takes at most TOKENS_PER_MESSAGE tokens per message. */
const chunks = (tokens: number[]) =>
  Array.from({ length: Math.ceil(tokens.length / TOKENS_PER_MESSAGE) }, (_, i) =>
    tokens.slice(i * TOKENS_PER_MESSAGE, (i + 1) * TOKENS_PER_MESSAGE),
  );

/** Subscribes a shard that just opened to its whole state; returns the tape's record of it. */
export function sendShardState(
  link: MessageSink,
  shard: number,
  state: Map<TickMode, number[]>,
): UpstreamEvent {
  for (const [mode, tokens] of state) {
    for (const part of chunks(tokens)) {
      link.send(subscribeMessage(part));
      link.send(modeMessage(mode, part));
    }
  }
  const subscribe = [...state.values()].flat();
  return { kind: 'subscription', shard, subscribe, unsubscribe: [], mode: modeRecord(state), full: true };
}

/** Sends one coalesced change to a live shard; returns the tape's record of it, or undefined when nothing changed. */
export function sendShardChange(link: MessageSink, c: ShardChange): UpstreamEvent | undefined {
  for (const part of chunks(c.unsubscribe)) link.send(unsubscribeMessage(part));
  for (const part of chunks(c.subscribe)) link.send(subscribeMessage(part));
  for (const [mode, tokens] of c.mode) {
    for (const part of chunks(tokens)) link.send(modeMessage(mode, part));
  }
  if (c.subscribe.length + c.unsubscribe.length + c.mode.size === 0) return undefined;
  return {
    kind: 'subscription',
    shard: c.shard,
    subscribe: [...c.subscribe],
    unsubscribe: [...c.unsubscribe],
    mode: modeRecord(c.mode),
    full: false,
  };
}
