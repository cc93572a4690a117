import { MARKET_NAMESPACE } from '../contracts/market-namespace.contract.js';

/** The key of the Socket.IO Redis adapter under the deployment's prefix (RelayIoAdapter). */
export const ADAPTER_KEY = 'socket.io';
/** Namespaces that get an adapter: the main one (always created by Socket.IO) and /market. */
const NAMESPACES = ['/', MARKET_NAMESPACE];

/**
 * Every Pub/Sub channel and pattern kite-relay uses under `prefix`, as Redis' ACL sees them: the
 * cluster bus (ClusterBus) and @socket.io/redis-adapter 8's request, response and broadcast
 * channels. A PSUBSCRIBE pattern is allowed only by an ACL pattern that is literally the same.
 */
export function redisChannels(prefix: string): { channels: string[]; patterns: string[] } {
  const adapter = prefix + ADAPTER_KEY;
  return {
    channels: [
      `${prefix}bus:frames`,
      `${prefix}bus:messages`,
      ...NAMESPACES.flatMap((ns) => [`${adapter}-request#${ns}#`, `${adapter}-response#${ns}#`]),
    ],
    patterns: NAMESPACES.map((ns) => `${adapter}#${ns}#*`),
  };
}
