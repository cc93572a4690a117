import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { deriveClusterKey, macOf, sameMac } from './cluster-mac.js';

/**
 * The key every node of a cluster shares and Redis never sees: it signs the bus and seals the
 * records other nodes trust (invites, token entries, node records). Derived once at boot from
 * CLUSTER_SECRET, or from SESSION_ENCRYPTION_KEY when that is not set.
 */
@Injectable()
export class ClusterKey {
  readonly key: Buffer;
  private readonly refused: Counter<'kind'>;

  constructor(config: AppConfigService, metrics: MetricsService) {
    const { clusterSecret, sessionEncryptionKey } = config.values;
    this.key = deriveClusterKey(clusterSecret ?? sessionEncryptionKey);
    this.refused = metrics.counter(
      'redis_records_refused_total',
      'Records read from Redis and refused: unsealed, altered, or sealed under another key',
      ['kind'],
    );
  }

  /** `<base64url MAC>.<text>`: the MAC binds the text to what it is (`kind`) and where it is kept (`id`). */
  seal(kind: string, id: string, text: string): string {
    return `${macOf(this.key, [kind, id, text]).toString('base64url')}.${text}`;
  }

  /** The text of a sealed value; undefined when it is unsealed, altered, or sealed for another kind or id. */
  open(kind: string, id: string, sealed: string): string | undefined {
    const text = sealed.slice(44);
    const given = Buffer.from(sealed.slice(0, 43), 'base64url');
    if (sealed[43] === '.' && sameMac(given, macOf(this.key, [kind, id, text]))) return text;
    this.refused.inc({ kind });
    return undefined;
  }
}
