import type { MetricsService } from '../metrics/metrics.service.js';

/** The order-update metrics (docs/operations.md "Metrics"); no label ever names an order. */
export function orderMetrics(metrics: MetricsService) {
  return {
    forwarded: metrics.counter(
      'order_updates_forwarded_total',
      "Order updates passed on to this node's clients (once per update)",
    ),
    repeats: metrics.counter(
      'order_updates_repeats_dropped_total',
      'Order updates dropped as repeats (same order, status, filled quantity and exchange time)',
    ),
    malformed: metrics.counter('order_updates_malformed_total', 'Order text frames dropped as malformed'),
  };
}
export type OrderMetrics = ReturnType<typeof orderMetrics>;
