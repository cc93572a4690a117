import type { MetricsService } from '../metrics/metrics.service.js';

/** The feed's metrics (names as docs/operations.md "Metrics" lists them). */
export function feedMetrics(metrics: MetricsService) {
  return {
    connections: metrics.gauge('upstream_connections', 'Open upstream Kite ticker connections'),
    instruments: metrics.gauge('upstream_instruments', 'Instruments subscribed upstream'),
    received: metrics.counter('ticks_received_total', 'Ticks decoded from the upstream'),
    malformed: metrics.counter('frames_malformed_total', 'Upstream frames dropped as malformed'),
    skipped: metrics.counter('packets_skipped_total', 'Upstream packets of unknown size skipped'),
    reconnects: metrics.counter('upstream_reconnects_total', 'Upstream reconnect attempts', ['reason']),
    state: metrics.gauge('feed_state', 'Feed state (1 for the current one)', ['state']),
    lastTick: metrics.gauge('last_tick_timestamp_seconds', 'When the last tick was received (0 before any)'),
  };
}
export type FeedMetrics = ReturnType<typeof feedMetrics>;

/** Injection token of the feed's metrics, registered once and shared by the feed and its tick path. */
export const FEED_METRICS = Symbol('FEED_METRICS');
