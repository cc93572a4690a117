import { Redis } from 'ioredis';

/**
 * The command connection: fails fast while Redis is down (no offline queue, no retries, 1 s
 * timeouts) so that a caller can decide at once, and reconnects on its own in the background.
 */
export function createCommandConnection(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: 1000,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    reconnectOnError: reconnectOnReadonly,
  });
}

/**
 * Reconnects only on `READONLY` (a replica promoted away under us: ioredis' documented case). Any
 * other error reply is the command's answer; reconnecting and resending it would only repeat it.
 */
export function reconnectOnReadonly(err: Error): boolean {
  return err.message.startsWith('READONLY');
}

/** The subscriber: a duplicate of the command connection in subscribe mode, resubscribing after a reconnect. */
export function createSubscriberConnection(command: Redis): Redis {
  return command.duplicate({ enableOfflineQueue: true, commandTimeout: undefined, autoResubscribe: true });
}
