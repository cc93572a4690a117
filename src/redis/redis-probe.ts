import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { redisChannels } from './redis-channels.js';

/** What a boot probe of REDIS_URL found. */
export type RedisProbe =
  | { kind: 'ok' }
  /** Nothing answered (down, wrong host or port): may come back by itself. */
  | { kind: 'unreachable'; error: string }
  /** Redis answered and said no (NOAUTH, WRONGPASS, NOPERM, …): a configuration error. */
  | { kind: 'refused'; error: string; command?: string }
  /** The TLS handshake of a rediss:// URL failed (certificate, CA, host name, plain server). */
  | { kind: 'tls'; error: string };

const REFUSAL = /^(NOAUTH|WRONGPASS|NOPERM|ERR (AUTH|invalid password|invalid username|Client sent AUTH))/;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

/**
 * Connects to `url` as the application will, then uses every kind of command and every Pub/Sub
 * channel and pattern the application needs under `prefix`, on a probe key of its own, so that an
 * ACL that lacks one fails here, before anything starts, rather than later inside a module.
 */
export async function probeRedis(url: string, prefix: string, attempts = 3): Promise<RedisProbe> {
  let last: RedisProbe = { kind: 'unreachable', error: 'no answer' };
  for (let i = 0; i < attempts; i++) {
    last = await probeOnce(url, prefix);
    if (last.kind !== 'unreachable') return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}

async function probeOnce(url: string, prefix: string): Promise<RedisProbe> {
  const tls = url.startsWith('rediss:');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // A refused AUTH or a failed handshake closes the connection: the reason is in the 'error' event,
  // and the awaited call only says "Connection is closed".
  let cause: unknown;
  client.on('error', (err) => (cause ??= err));
  let subscriber: Redis | undefined;
  let step = 'connect';
  try {
    await client.connect();
    for (const [name, run] of commandSteps(client, prefix)) {
      step = name;
      await run();
    }
    subscriber = client.duplicate();
    subscriber.on('error', (err) => (cause ??= err));
    step = 'connect (subscriber)';
    await subscriber.connect();
    const { channels, patterns } = redisChannels(prefix);
    for (const channel of channels) {
      step = `SUBSCRIBE ${channel}`;
      await subscriber.subscribe(channel);
    }
    for (const pattern of patterns) {
      step = `PSUBSCRIBE ${pattern}`;
      await subscriber.psubscribe(pattern);
    }
    return { kind: 'ok' };
  } catch (err) {
    const closed = err instanceof Error && /Connection is closed/.test(err.message);
    const probe = classify(closed && cause ? cause : err, tls, step);
    // A handshake that never completes looks like a silent host, unless the port itself answers.
    if (tls && probe.kind === 'unreachable' && /ETIMEDOUT/.test(probe.error) && (await tcpAnswers(url))) {
      return {
        kind: 'tls',
        error: `no TLS handshake within 1 s (${probe.error}): is the port speaking TLS?`,
      };
    }
    // A port that accepts and then resets a plain connection is most often a TLS-only port.
    if (!tls && probe.kind === 'unreachable' && /ECONNRESET/.test(probe.error) && (await tcpAnswers(url))) {
      return {
        kind: 'refused',
        error: `the server closed the connection (${probe.error}); if this port speaks TLS, use a rediss:// URL`,
      };
    }
    return probe;
  } finally {
    subscriber?.disconnect();
    client.disconnect();
  }
}

/** One call of each command family the stores use (scripts call GET/SET/DEL/EXISTS/H*, PEXPIRE, PTTL, TIME). */
function commandSteps(client: Redis, prefix: string): [string, () => Promise<unknown>][] {
  const key = `${prefix}boot-check:${randomBytes(6).toString('hex')}`;
  const hash = `${key}:h`;
  const script = `redis.call('SET', KEYS[1], '1', 'PX', 10000)
redis.call('PEXPIRE', KEYS[1], 10000)
redis.call('HSETNX', KEYS[2], 'a', '1')
redis.call('HDEL', KEYS[2], 'a')
redis.call('TIME')
return {redis.call('EXISTS', KEYS[1]), redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[1])}`;
  const [ns] = redisChannels(prefix).channels.filter((c) => c.includes('-response#'));
  return [
    ['PING', () => client.ping()],
    ['SET', () => client.set(key, '1', 'PX', 10_000)],
    ['GET', () => client.get(key)],
    ['MGET', () => client.mget(key, `${key}:none`)],
    ['PTTL', () => client.pttl(key)],
    ['INCR', () => client.incr(`${key}:n`)],
    ['HSET', () => client.hset(hash, 'a', '1')],
    ['HGET', () => client.hget(hash, 'a')],
    ['HGETALL', () => client.hgetall(hash)],
    ['MULTI/EXEC', () => client.multi().set(key, '2', 'PX', 10_000).get(key).exec().then(failedReply)],
    ['EVAL', () => client.eval(script, 2, key, hash)],
    ['SCAN', () => client.scan('0', 'MATCH', `${prefix}boot-check:*`, 'COUNT', 10)],
    // A response channel of no node (no adapter listens for this id): nobody receives it.
    ['PUBLISH', () => client.publish(`${ns}boot-check#`, '')],
    ['PUBSUB NUMSUB', () => client.pubsub('NUMSUB', ns)],
    ['DEL', () => client.del(key, hash, `${key}:n`)],
  ];
}

/** A transaction answers per command: the first error reply is the step's failure. */
function failedReply(replies: [Error | null, unknown][] | null): void {
  const failed = replies?.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}

function classify(err: unknown, tls: boolean, step: string): RedisProbe {
  const e = err as NodeJS.ErrnoException;
  const error = e instanceof Error ? e.message : String(err);
  if (REFUSAL.test(error)) return { kind: 'refused', error, command: step === 'connect' ? undefined : step };
  if (e.code && UNREACHABLE.has(e.code)) return { kind: 'unreachable', error };
  if (tls && !/^ERR /.test(error)) return { kind: 'tls', error };
  if (/^[A-Z]+ /.test(error) && !/Connection is closed|timed out/i.test(error)) {
    return { kind: 'refused', error, command: step };
  }
  return { kind: 'unreachable', error };
}

/** Whether a plain TCP connection to the URL's host and port opens within a second. */
function tcpAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
