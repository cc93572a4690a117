import type { TrustProxy } from './trust-proxy.js';

/**
 * The validated, typed configuration. Built once at boot by `loadConfig` and frozen: nothing else
 * reads the environment, and nothing changes it afterwards (`withKiteEndpoints` makes a new one).
 */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'test' | 'production';
  readonly port: number;
  readonly host: string;
  /** Where /metrics is served instead of the main port (production: 9464); undefined: the main port. */
  readonly metricsPort?: number;
  /** When set, /metrics answers 401 without `Authorization: Bearer <it>`. */
  readonly metricsToken?: string;
  readonly publicUrl: string;
  /** Express "trust proxy": which peers may say who the client is (X-Forwarded-For). */
  readonly trustProxy: TrustProxy;
  readonly feedSource: 'kite' | 'simulator';
  readonly kite: KiteConfig;
  readonly redisUrl?: string;
  /** This node's name in a cluster (READY line, /health, metrics, lease holder). */
  readonly nodeId: string;
  /** How long the upstream lease lasts unless renewed, and how often its holder renews it. */
  readonly leaseTtlMs: number;
  readonly leaseRenewMs: number;
  readonly cacheTtlMs: number;
  readonly jwtSecret: string;
  /** True when no JWT_SECRET was given outside production and a random one was generated for this boot. */
  readonly jwtSecretGenerated: boolean;
  readonly jwtTtl: string;
  /** Seals the stored Kite session (independent of jwtSecret, so each can be rotated alone). */
  readonly sessionEncryptionKey: string;
  /** True when no SESSION_ENCRYPTION_KEY was given outside production and one was generated for this boot. */
  readonly sessionEncryptionKeyGenerated: boolean;
  /** The secret the cluster key is derived from (bus MACs, sealed records); undefined: SESSION_ENCRYPTION_KEY's. */
  readonly clusterSecret?: string;
  readonly corsOrigins: readonly string[];
  readonly allowedKiteUserIds?: readonly string[];
  readonly maxSubscriptionsPerClient: number;
  /** Per user (JWT `sub`), across the cluster: sockets, and distinct instruments over all of them. */
  readonly maxConnectionsPerUser: number;
  readonly maxInstrumentsPerUser: number;
  /** Engine.io connections from one address that have not completed the /market handshake. */
  readonly maxUnauthenticatedPerAddress: number;
  /** Distinct uncached instruments one user may have waiting for Kite's quote API. */
  readonly maxQueuedQuotesPerUser: number;
  /** Viewer HTTP requests a minute, per user and per address. */
  readonly apiRateLimitPerMinute: number;
  readonly heartbeatIntervalMs: number;
  /** /kite/ws: at most one data frame per client in this many ms (0: each upstream frame at once). */
  readonly kiteWsFlushMs: number;
  readonly marketCalendarFile?: string;
  /** Absolute path of the directory kite-relay keeps files in (the instrument master without Redis). */
  readonly dataDir: string;
  /** The tape recorder (docs/tape.md). */
  readonly record: RecordConfig;
  readonly logLevel: string;
  /** Epoch milliseconds the server clock starts from (development/test only). */
  readonly clockStart?: number;
}

export interface RecordConfig {
  readonly enabled: boolean;
  /** Absolute path of the tape's folder (default <dataDir>/tape). */
  readonly dir: string;
  readonly orders: boolean;
  readonly retentionDays: number;
  readonly maxBytes: number;
  /** Recording pauses while the disk holding `dir` has less free space than this. */
  readonly minFreeBytes: number;
}

export interface KiteConfig {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly accessToken?: string;
  readonly apiRoot: string;
  readonly wsRoot: string;
  readonly loginUrl: string;
}

/** Freezes a configuration and everything it holds. */
export function freezeConfig<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (typeof v === 'object' && v !== null) freezeConfig(v as object);
  return Object.freeze(value);
}

/** The same configuration with other Kite endpoints (the embedded simulator's), as a new frozen object. */
export function withKiteEndpoints(
  config: AppConfig,
  endpoints: Pick<KiteConfig, 'apiRoot' | 'wsRoot' | 'loginUrl'>,
): AppConfig {
  return freezeConfig({ ...config, kite: { ...config.kite, ...endpoints } });
}
