/** The Socket.IO namespace clients connect to (SPEC): the gateway serves it, the Redis ACL names its channels. */
export const MARKET_NAMESPACE = '/market';
