import type { Counter, Gauge } from 'prom-client';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { FanoutCounters } from './packet-fanout.js';

/** The metrics of `/kite/ws` (documented in docs/kite-compat.md). */
export interface KiteWsMetrics extends FanoutCounters {
  clients: Gauge;
  errors: Counter<'reason'>;
  refused: Counter<'reason'>;
  orders: Counter;
}

export function kiteWsMetrics(metrics: MetricsService): KiteWsMetrics {
  return {
    clients: metrics.gauge(
      'kite_ws_clients_connected',
      'Kite-protocol clients connected to /kite/ws on this node',
    ),
    frames: metrics.counter('kite_ws_frames_sent_total', 'Binary data frames sent to Kite-protocol clients'),
    bytes: metrics.counter(
      'kite_ws_sent_bytes_total',
      'Bytes of binary data frames sent to Kite-protocol clients',
    ),
    packets: metrics.counter(
      'kite_ws_packets_sent_total',
      'Packets (one instrument each) sent to Kite-protocol clients',
    ),
    heartbeats: metrics.counter(
      'kite_ws_heartbeats_total',
      '1-byte heartbeats sent to Kite-protocol clients',
    ),
    conflated: metrics.counter(
      'kite_ws_packets_conflated_total',
      'Packets replaced by a newer one of the same instrument for a slow Kite-protocol client',
    ),
    errors: metrics.counter(
      'kite_ws_errors_total',
      'Kite-protocol client messages answered with an error frame, by reason',
      ['reason'],
    ),
    refused: metrics.counter('kite_ws_refused_total', '/kite/ws upgrades refused, by reason', ['reason']),
    orders: metrics.counter(
      'kite_ws_order_updates_sent_total',
      "Kite's order update text frames sent to Kite-protocol clients (one per update per allowed client)",
    ),
  };
}
