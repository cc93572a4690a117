/** The counters of ApiThrottlerGuard (a ThrottlerStorage), shared by every viewer route of this node. */
export const API_THROTTLER_STORAGE = Symbol('API_THROTTLER_STORAGE');
