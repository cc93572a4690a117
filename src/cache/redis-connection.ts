import { Redis } from 'ioredis';

/** The one Redis connection of the cache: fails fast while down, reconnects on its own in the background. */
export function createRedisConnection(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    reconnectOnError: () => true,
  });
}

/** PINGs `url` a few times (production boot check); resolves to an error message or undefined. */
export async function pingRedis(url: string, attempts = 3): Promise<string | undefined> {
  let last = 'no answer';
  for (let i = 0; i < attempts; i++) {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return undefined;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return last;
}
