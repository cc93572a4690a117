import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { deriveClusterKey, MAC_BYTES, macOf, sameMac } from './cluster-mac.js';

/**
 * The key every node of a cluster shares and Redis never sees: it signs the bus and seals the
 * records other nodes trust (invites, token entries, node records, quotes, candles, the instrument
 * master, Kite's historical answers). Derived once at boot from
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

  /** The MAC of `text` as base64url, bound to what it is (`kind`) and where it is kept (`id`). */
  mac(kind: string, id: string, text: string): string {
    return macOf(this.key, [kind, id, text]).toString('base64url');
  }

  /** Whether `mac` is the MAC of `text` for `kind` and `id` (a refusal is counted). */
  verify(kind: string, id: string, text: string, mac: string | undefined): boolean {
    return this.holds(kind, Buffer.from(mac ?? '', 'base64url'), [kind, id, text]);
  }

  /** `<32-byte MAC><bytes>`: a binary record (the instrument master) sealed as `seal` seals text. */
  sealBytes(kind: string, id: string, bytes: Buffer): Buffer {
    return Buffer.concat([macOf(this.key, [kind, id, bytes]), bytes]);
  }

  /** The bytes of a record sealed with `sealBytes`; undefined when its seal does not hold (counted). */
  openBytes(kind: string, id: string, sealed: Buffer): Buffer | undefined {
    const bytes = sealed.subarray(MAC_BYTES);
    return this.holds(kind, sealed.subarray(0, MAC_BYTES), [kind, id, bytes]) ? bytes : undefined;
  }

  /** `<base64url MAC>.<text>`. */
  seal(kind: string, id: string, text: string): string {
    return `${this.mac(kind, id, text)}.${text}`;
  }

  /** The text of a sealed value; undefined when it is unsealed, altered, or sealed for another kind or id. */
  open(kind: string, id: string, sealed: string): string | undefined {
    const text = sealed.slice(44);
    return this.verify(kind, id, text, sealed[43] === '.' ? sealed.slice(0, 43) : undefined)
      ? text
      : undefined;
  }

  /** Whether `given` is the MAC of `parts`; a refusal is counted under `kind`. */
  private holds(kind: string, given: Buffer, parts: readonly (Buffer | string)[]): boolean {
    if (sameMac(given, macOf(this.key, parts))) return true;
    this.refused.inc({ kind });
    return false;
  }
}
