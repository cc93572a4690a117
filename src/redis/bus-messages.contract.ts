import type { ClusterEventName, RelayEventMap, UserUsageNotice } from '../events/event-map.js';

/**
 * The messages nodes exchange on the cluster bus (the `bus:messages` channel), one discriminated
 * union on `type`. No Nest imports: redis/ validates with it once where a message enters, cluster/
 * builds and reads it. A new kind is one interface in `BusMessage`, one entry in
 * `MESSAGE_VALIDATORS` and one case in `senderOf` (the compiler asks for both).
 */
export type BusMessage = FeedMessage | NodeMessage | NodeGoneMessage | EventMessage | OrderMessage;
export type BusMessageKind = BusMessage['type'];
export type BusMessageOf<K extends BusMessageKind> = Extract<BusMessage, { type: K }>;

export const FEED_STATES = ['CONNECTING', 'LIVE', 'RECONNECTING', 'AUTH_REQUIRED', 'STOPPED'] as const;
export type BusFeedState = (typeof FEED_STATES)[number];

/** The holder's feed state, announced on every change and every renewal. */
export interface FeedMessage {
  type: 'feed';
  node: string;
  fencing: number;
  state: BusFeedState;
  reason?: string;
}

/** What a node tells the cluster about itself (also stored, sealed, as its node record). */
export interface NodeRecord {
  id: string;
  role: 'standalone' | 'holder' | 'follower';
  /** Instrument → mode index (0 ltp, 1 quote, 2 full): what its clients want. */
  demand: [number, number][];
  /** Each user's sockets and distinct instruments on the node (a list: a `sub` is never an object key). */
  usage: UserUsageNotice[];
  clients: number;
}

export interface NodeMessage {
  type: 'node';
  record: NodeRecord;
}

/** A node stopped and removed its record. */
export interface NodeGoneMessage {
  type: 'node-gone';
  id: string;
}

/** An order update the holder got from Kite: its text frame verbatim (parsed by orders/, not here). */
export interface OrderMessage {
  type: 'order';
  node: string;
  fencing: number;
  raw: string;
}

/** Kite's order updates are about 1.5 KB; the bus carries none far larger (orders/' MAX_ORDER_TEXT). */
const MAX_ORDER_TEXT = 64 * 1024;

/** One of CLUSTER_EVENTS as the node `payload.origin` raised it. */
export type EventMessage = {
  [K in ClusterEventName]: { type: 'event'; name: K; payload: RelayEventMap[K] };
}[ClusterEventName];

/** Why a message was not delivered (the `reason` label of kite_relay_bus_messages_dropped_total). */
export type BusDropReason = 'malformed' | 'unknown_kind' | 'invalid';

/** The node a message speaks for: a node only ever publishes about itself. */
export function senderOf(m: BusMessage): string {
  switch (m.type) {
    case 'feed':
      return m.node;
    case 'node':
      return m.record.id;
    case 'node-gone':
      return m.id;
    case 'event':
      return m.payload.origin;
    case 'order':
      return m.node;
  }
}

export type ParsedBusMessage = { ok: true; message: BusMessage } | { ok: false; reason: BusDropReason };

type Fields = Record<string, unknown>;
type Validator<T> = (v: Fields) => T | undefined;

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_TEXT = 200;
/** More than any node can hold: 9,000 upstream instruments, 100,000 sockets. */
const MAX_ITEMS = 100_000;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNodeId = (v: unknown): v is string => typeof v === 'string' && NODE_ID.test(v);
const isText = (v: unknown, max = MAX_TEXT): v is string => typeof v === 'string' && v.length <= max;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isList = (v: unknown): v is unknown[] => Array.isArray(v) && v.length <= MAX_ITEMS;

function usage(v: unknown): UserUsageNotice | undefined {
  if (!isObject(v) || !isText(v.sub, 256) || !isCount(v.connections) || !isList(v.instruments)) return;
  if (!v.instruments.every(isCount)) return;
  return { sub: v.sub, connections: v.connections, instruments: v.instruments };
}

/** A node record, checked field by field; undefined for anything else. */
export function nodeRecord(v: unknown): NodeRecord | undefined {
  if (!isObject(v) || !isNodeId(v.id) || !isCount(v.clients) || !isList(v.demand) || !isList(v.usage)) {
    return undefined;
  }
  if (v.role !== 'standalone' && v.role !== 'holder' && v.role !== 'follower') return undefined;
  const demand: [number, number][] = [];
  for (const d of v.demand) {
    if (!Array.isArray(d) || d.length !== 2 || !isCount(d[0]) || ![0, 1, 2].includes(d[1] as number)) return;
    demand.push([d[0], d[1] as number]);
  }
  const users: UserUsageNotice[] = [];
  for (const u of v.usage) {
    const ok = usage(u);
    if (!ok) return undefined;
    users.push(ok);
  }
  return { id: v.id, role: v.role, demand, usage: users, clients: v.clients };
}

const origin = (p: Fields) => (isNodeId(p.origin) ? p.origin : undefined);

/** Each cluster event's payload, rebuilt from its known fields only. */
const PAYLOADS: { [K in ClusterEventName]: Validator<RelayEventMap[K]> } = {
  'session.changed': (p) => {
    const o = origin(p);
    if (!o || typeof p.fresh !== 'boolean' || !isText(p.userId, 64) || !isTime(p.expiresAt)) return;
    return { origin: o, fresh: p.fresh, userId: p.userId, expiresAt: p.expiresAt };
  },
  'session.expired': (p) => {
    const o = origin(p);
    if (!o || typeof p.reason !== 'string') return;
    return { origin: o, reason: p.reason.slice(0, MAX_TEXT) };
  },
  'session.cleared': (p) => {
    const o = origin(p);
    return o ? { origin: o } : undefined;
  },
  'quotes.invalidated': (p) => {
    const o = origin(p);
    return o && isCount(p.generation) ? { origin: o, generation: p.generation } : undefined;
  },
  'instruments.stored': (p) => {
    const o = origin(p);
    return o && isTime(p.fetchedAt) ? { origin: o, fetchedAt: p.fetchedAt } : undefined;
  },
  'token.revoked': (p) => {
    const o = origin(p);
    if (!o || !isText(p.id, 64) || !isTime(p.exp)) return;
    if (p.cascade !== undefined && typeof p.cascade !== 'boolean') return;
    return { origin: o, id: p.id, exp: p.exp, ...(p.cascade === false ? { cascade: false } : {}) };
  },
};

function event(v: Fields): EventMessage | undefined {
  const name = v.name as ClusterEventName;
  if (typeof v.name !== 'string' || !Object.hasOwn(PAYLOADS, name) || !isObject(v.payload)) return;
  const payload = (PAYLOADS[name] as Validator<RelayEventMap[typeof name]>)(v.payload);
  return payload ? ({ type: 'event', name, payload } as EventMessage) : undefined;
}

/** One validator per kind: a kind without one does not compile. */
const MESSAGE_VALIDATORS: { [K in BusMessageKind]: Validator<BusMessageOf<K>> } = {
  feed: (v) => {
    if (!isNodeId(v.node) || !isCount(v.fencing) || !FEED_STATES.includes(v.state as BusFeedState)) return;
    if (v.reason !== undefined && typeof v.reason !== 'string') return;
    const m: FeedMessage = { type: 'feed', node: v.node, fencing: v.fencing, state: v.state as BusFeedState };
    if (typeof v.reason === 'string') m.reason = v.reason.slice(0, MAX_TEXT);
    return m;
  },
  node: (v) => {
    const record = nodeRecord(v.record);
    return record ? { type: 'node', record } : undefined;
  },
  'node-gone': (v) => (isNodeId(v.id) ? { type: 'node-gone', id: v.id } : undefined),
  event,
  order: (v) =>
    isNodeId(v.node) && isCount(v.fencing) && isText(v.raw, MAX_ORDER_TEXT)
      ? { type: 'order', node: v.node, fencing: v.fencing, raw: v.raw }
      : undefined,
};

/** The one check of a message from the bus: its JSON text, to a typed message or why not. */
export function parseBusMessage(text: string): ParsedBusMessage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isObject(v)) return { ok: false, reason: 'malformed' };
  const kind = v.type as BusMessageKind;
  if (typeof v.type !== 'string' || !Object.hasOwn(MESSAGE_VALIDATORS, kind)) {
    return { ok: false, reason: 'unknown_kind' };
  }
  const message = (MESSAGE_VALIDATORS[kind] as Validator<BusMessage>)(v);
  return message ? { ok: true, message } : { ok: false, reason: 'invalid' };
}
