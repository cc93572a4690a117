import type { Redis } from 'ioredis';
import { randomInt } from 'node:crypto';
import { openEnvelope, sealEnvelope } from './bus-envelope.js';
import { ReplayGuard } from './replay-guard.js';

/** What signing the adapter's traffic needs from the bus: the cluster key, this node, and where drops are counted. */
export interface AdapterSigning {
  key: Buffer;
  nodeId: string;
  /** Every channel the adapter uses starts with this (`<prefix>socket.io`). */
  channelPrefix: string;
  dropped(reason: string): void;
  /** A publish Redis refused (NOPERM after an ACL change, a closed connection): counted, never thrown. */
  publishFailed(err: unknown): void;
  /** A (un)subscribe of the adapter's that failed (a closed connection at shutdown): counted, never thrown. */
  subscribeFailed(err: unknown): void;
  now?: () => number;
}

type Listener = (...args: unknown[]) => void;
type SubscribeCommand = 'subscribe' | 'psubscribe' | 'unsubscribe' | 'punsubscribe';

/**
 * The two ioredis clients handed to @socket.io/redis-adapter, signed like the cluster bus: every
 * message the adapter publishes goes out in the bus's envelope (HMAC-SHA256 under the cluster key
 * over the channel and the body, this node, a sequence and the time), and every message on the
 * adapter's channels is opened before the adapter sees it. Anything unsigned, badly signed,
 * replayed or stale is dropped and counted, so a Redis writer cannot broadcast to clients, list
 * them or disconnect them. The adapter itself is unchanged: it sees its own bytes.
 *
 * A publish the adapter fires without awaiting (broadcasts, disconnects, responses) cannot reject
 * unhandled either: Redis refusing it is counted, and the node goes on. Nor can the (un)subscribes
 * it fires without awaiting when a namespace's adapter is made or closed.
 */
export function signedAdapterClients(pub: Redis, sub: Redis, s: AdapterSigning): { pub: Redis; sub: Redis } {
  const now = s.now ?? Date.now;
  const boot = randomInt(2 ** 32);
  const replays = new ReplayGuard();
  let seq = 0;

  const seal = (channel: string, message: Buffer | string): Buffer =>
    sealEnvelope(s.key, channel, {
      nodeId: s.nodeId,
      boot,
      seq: ++seq,
      sentAt: now(),
      body: typeof message === 'string' ? Buffer.from(message, 'utf8') : message,
    });

  // Every namespace's adapter listens on the same connection and gets the same Buffer: each
  // message is opened (and its sequence checked, and a drop counted) once, whoever asks first.
  const seen = new WeakMap<Buffer, Buffer | null>();
  /** The adapter's own bytes of a signed message on one of its channels; undefined when dropped. */
  const open = (channel: Buffer | string, raw: Buffer): Buffer | undefined => {
    const known = seen.get(raw);
    if (known !== undefined) return known ?? undefined;
    const body = check(channel.toString(), raw);
    seen.set(raw, body ?? null);
    return body;
  };
  const check = (name: string, raw: Buffer): Buffer | undefined => {
    if (!name.startsWith(s.channelPrefix)) return undefined; // the bus's channels: not the adapter's
    const opened = openEnvelope(s.key, name, raw);
    if (!opened.ok) return void s.dropped(opened.reason);
    const fresh = replays.check(opened.envelope, now());
    if (fresh !== 'ok') return void s.dropped(fresh);
    return opened.envelope.body;
  };

  // The adapter listens with on/off: each of its listeners gets only opened messages.
  const wrapped = new WeakMap<Listener, Listener>();
  const wrap = (event: string, fn: Listener): Listener => {
    if (event !== 'messageBuffer' && event !== 'pmessageBuffer') return fn;
    let w = wrapped.get(fn);
    if (!w) {
      w =
        event === 'pmessageBuffer'
          ? (pattern, channel, raw) => {
              const body = open(channel as Buffer, raw as Buffer);
              if (body) fn(pattern, channel, body);
            }
          : (channel, raw) => {
              const body = open(channel as Buffer, raw as Buffer);
              if (body) fn(channel, body);
            };
      wrapped.set(fn, w);
    }
    return w;
  };

  const signedPub = facade(pub, {
    publish: (channel: string, message: Buffer | string) =>
      pub.publish(channel, seal(channel, message)).catch((err: unknown) => {
        s.publishFailed(err);
        return 0;
      }),
  });
  const settled =
    (name: SubscribeCommand) =>
    (...args: unknown[]): Promise<unknown> =>
      (sub[name] as (...a: unknown[]) => Promise<unknown>)(...args).catch((err: unknown) => {
        s.subscribeFailed(err);
        return 0;
      });
  const signedSub = facade(sub, {
    subscribe: settled('subscribe'),
    psubscribe: settled('psubscribe'),
    unsubscribe: settled('unsubscribe'),
    punsubscribe: settled('punsubscribe'),
    on: (event: string, fn: Listener) => {
      sub.on(event, wrap(event, fn));
      return signedSub;
    },
    off: (event: string, fn: Listener) => {
      sub.off(event, wrapped.get(fn) ?? fn);
      return signedSub;
    },
  });
  return { pub: signedPub, sub: signedSub };
}

/** `target` with some methods replaced; every other property read from the client itself. */
function facade(target: Redis, overrides: Record<string, unknown>): Redis {
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'string' && Object.hasOwn(overrides, prop)) return overrides[prop];
      const v: unknown = Reflect.get(t, prop, t);
      // Methods run on the client itself (ioredis reads its own state through `this`).
      return typeof v === 'function' && prop !== 'constructor' ? (v as Listener).bind(t) : v;
    },
  });
}
