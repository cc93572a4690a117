import type { AppConfigService } from '../../src/config/app-config.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { ClusterKey } from '../../src/redis/cluster-key.js';

/** A node's cluster key as derived from `secret` (its SESSION_ENCRYPTION_KEY), counting refusals in `metrics`. */
export function clusterKeyFor(secret: string, metrics = new MetricsService()): ClusterKey {
  return new ClusterKey({ values: { sessionEncryptionKey: secret } } as AppConfigService, metrics);
}

/** How many records of `kind` the key refused so far (kite_relay_redis_records_refused_total). */
export async function refusedRecords(metrics: MetricsService, kind: string): Promise<number> {
  const text = await metrics.registry.metrics();
  return Number(
    new RegExp(`kite_relay_redis_records_refused_total\\{kind="${kind}"\\} (\\d+)`).exec(text)?.[1] ?? 0,
  );
}
