import type { ValidationResult } from 'joi';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { CONFIG_KEYS, type ConfigKey } from './config-keys.js';
import { KITE_DEFAULTS, configSchema } from './config.schema.js';
import { freezeConfig, type AppConfig } from './app-config.js';
import { parseBytes } from './record-schema.js';
import { parseTrustProxy } from './trust-proxy.js';

export type Env = Record<string, string | undefined>;
export type LoadResult =
  { ok: true; config: AppConfig; warnings: string[] } | { ok: false; errors: string[] };

const SIM_API_KEY = 'kite_relay_sim';
const SIM_API_SECRET = 'kite_relay_sim_secret';

/** What the schema hands back: every variable with its default applied and its type converted. */
type Validated = Partial<Record<ConfigKey, string | number>>;

/**
 * Validates the environment into a frozen `AppConfig`. On failure returns one line per variable,
 * `- NAME: what is wrong and how to fix it`, never containing the value.
 */
export function loadConfig(env: Env): LoadResult {
  const result = configSchema.validate(readEnv(env), {
    abortEarly: false,
    convert: true,
  }) as ValidationResult<Validated>;
  if (result.error) return { ok: false, errors: problemLines(result.error.details) };
  const warnings: string[] = [];
  return { ok: true, config: toAppConfig(result.value, warnings), warnings };
}

/** The variables kite-relay reads, trimmed; empty ones count as unset. */
function readEnv(env: Env): Partial<Record<ConfigKey, string>> {
  const raw: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const v = env[key]?.trim();
    if (v) raw[key] = v;
  }
  return raw;
}

/** One line per variable, in documentation order, each message once. */
function problemLines(details: readonly { path: (string | number)[]; message: string }[]): string[] {
  const problems = new Map<string, string[]>();
  for (const d of details) {
    const key = String(d.path[0] ?? 'config');
    problems.set(key, [...(problems.get(key) ?? []), d.message]);
  }
  const order = (k: string) => (CONFIG_KEYS as readonly string[]).indexOf(k);
  return [...problems.entries()]
    .sort((a, b) => order(a[0]) - order(b[0]))
    .map(([k, msgs]) => `- ${k}: ${[...new Set(msgs)].join('; ')}`);
}

function toAppConfig(v: Validated, warnings: string[]): AppConfig {
  const str = (k: ConfigKey) => (v[k] === undefined ? undefined : String(v[k]));
  const list = (k: ConfigKey) =>
    str(k)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  // Outside production a missing secret is generated for this boot (production requires both).
  const secret = (k: ConfigKey, lost: string) => {
    const given = str(k);
    if (given) return { value: given, generated: false };
    warnings.push(`${k} is not set: using a random one for this boot; ${lost} will not survive a restart`);
    return { value: randomBytes(32).toString('hex'), generated: true };
  };
  const jwt = secret('JWT_SECRET', 'tokens');
  const sealing = secret('SESSION_ENCRYPTION_KEY', 'the stored Kite session');
  const publicUrl = String(v.PUBLIC_URL).replace(/\/+$/, '');
  const dataDir = resolve(String(v.DATA_DIR));
  return freezeConfig<AppConfig>({
    nodeEnv: str('NODE_ENV') as AppConfig['nodeEnv'],
    port: Number(v.PORT),
    host: String(v.HOST),
    metricsPort: v.METRICS_PORT === undefined ? undefined : Number(v.METRICS_PORT),
    metricsToken: str('METRICS_TOKEN'),
    publicUrl,
    trustProxy: parseTrustProxy(String(v.TRUST_PROXY))!,
    feedSource: str('FEED_SOURCE') as AppConfig['feedSource'],
    kite: {
      apiKey: str('KITE_API_KEY') ?? SIM_API_KEY,
      apiSecret: str('KITE_API_SECRET') ?? SIM_API_SECRET,
      accessToken: str('KITE_ACCESS_TOKEN'),
      apiRoot: (str('KITE_API_ROOT') ?? KITE_DEFAULTS.apiRoot).replace(/\/+$/, ''),
      wsRoot: str('KITE_WS_ROOT') ?? KITE_DEFAULTS.wsRoot,
      loginUrl: str('KITE_LOGIN_URL') ?? KITE_DEFAULTS.loginUrl,
    },
    redisUrl: str('REDIS_URL'),
    nodeId: String(v.NODE_ID),
    leaseTtlMs: Number(v.LEASE_TTL_MS),
    leaseRenewMs: Number(v.LEASE_RENEW_MS),
    cacheTtlMs: Number(v.CACHE_TTL_MS),
    jwtSecret: jwt.value,
    jwtSecretGenerated: jwt.generated,
    jwtTtl: String(v.JWT_TTL),
    sessionEncryptionKey: sealing.value,
    sessionEncryptionKeyGenerated: sealing.generated,
    clusterSecret: str('CLUSTER_SECRET'),
    corsOrigins: list('CORS_ORIGINS') ?? [new URL(publicUrl).origin],
    allowedKiteUserIds: list('ALLOWED_KITE_USER_IDS')?.map((s) => s.toUpperCase()),
    maxSubscriptionsPerClient: Number(v.MAX_SUBSCRIPTIONS_PER_CLIENT),
    maxConnectionsPerUser: Number(v.MAX_CONNECTIONS_PER_USER),
    maxInstrumentsPerUser: Number(v.MAX_INSTRUMENTS_PER_USER),
    maxUnauthenticatedPerAddress: Number(v.MAX_UNAUTHENTICATED_PER_ADDRESS),
    maxQueuedQuotesPerUser: Number(v.MAX_QUEUED_QUOTES_PER_USER),
    apiRateLimitPerMinute: Number(v.API_RATE_LIMIT_PER_MINUTE),
    heartbeatIntervalMs: Number(v.HEARTBEAT_INTERVAL_MS),
    kiteWsFlushMs: Number(v.KITE_WS_FLUSH_MS),
    marketCalendarFile: str('MARKET_CALENDAR_FILE'),
    dataDir,
    record: {
      enabled: v.RECORD === 'on',
      dir: str('RECORD_DIR') ? resolve(str('RECORD_DIR')!) : join(dataDir, 'tape'),
      orders: v.RECORD_ORDERS === 'on',
      retentionDays: Number(v.RECORD_RETENTION_DAYS),
      maxBytes: parseBytes(String(v.RECORD_MAX_BYTES))!,
      minFreeBytes: parseBytes(String(v.RECORD_MIN_FREE_BYTES))!,
    },
    logLevel: String(v.LOG_LEVEL),
    clockStart: v.CLOCK_START === undefined ? undefined : Date.parse(String(v.CLOCK_START)),
  });
}
