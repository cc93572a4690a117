import type { ValidationResult } from 'joi';
import { randomBytes } from 'node:crypto';
import { CONFIG_KEYS, KITE_DEFAULTS, configSchema, type ConfigKey } from './config.schema.js';
import type { AppConfig } from './app-config.js';

export type Env = Record<string, string | undefined>;
export type LoadResult =
  { ok: true; config: AppConfig; warnings: string[] } | { ok: false; errors: string[] };

export interface LoadOptions {
  /** Whether the process runs inside a container (`/.dockerenv` exists). */
  inContainer?: boolean;
}

const SIM_API_KEY = 'kite_relay_sim';
const SIM_API_SECRET = 'kite_relay_sim_secret';

/**
 * Validates the environment into an `AppConfig`. On failure returns one line per variable,
 * `- NAME: what is wrong and how to fix it`, never containing the value.
 */
export function loadConfig(env: Env, options: LoadOptions = {}): LoadResult {
  const raw: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') raw[key] = v.trim();
  }
  const nodeEnv = raw.NODE_ENV ?? 'development';
  const port = raw.PORT ?? '3000';
  const withDefaults: Record<string, string | undefined> = {
    ...raw,
    NODE_ENV: nodeEnv,
    PORT: port,
    HOST: raw.HOST ?? '0.0.0.0',
    PUBLIC_URL: raw.PUBLIC_URL ?? `http://localhost:${port}`,
    FEED_SOURCE: raw.FEED_SOURCE ?? (nodeEnv === 'production' || raw.KITE_API_KEY ? 'kite' : 'simulator'),
    CACHE_TTL_MS: raw.CACHE_TTL_MS ?? '5000',
    JWT_TTL: raw.JWT_TTL ?? '12h',
    MAX_SUBSCRIPTIONS_PER_CLIENT: raw.MAX_SUBSCRIPTIONS_PER_CLIENT ?? '500',
    HEARTBEAT_INTERVAL_MS: raw.HEARTBEAT_INTERVAL_MS ?? '5000',
    LOG_LEVEL: raw.LOG_LEVEL ?? 'info',
  };

  const result = configSchema.validate(withDefaults, {
    abortEarly: false,
    convert: true,
  }) as ValidationResult<unknown>;
  const error = result.error;
  const value = result.value as unknown;
  const problems = new Map<string, string[]>();
  const add = (key: string, msg: string) => problems.set(key, [...(problems.get(key) ?? []), msg]);
  for (const d of error?.details ?? []) add(String(d.path[0] ?? d.context?.key ?? 'config'), d.message);

  if (!error && raw.REDIS_URL && options.inContainer) {
    const host = safeHost(raw.REDIS_URL);
    if (host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]') {
      add(
        'REDIS_URL',
        'points at localhost, which inside a container is the container itself; use the compose service name, e.g. redis://redis:6379',
      );
    }
  }
  if (problems.size > 0) {
    const order = (k: string) => (CONFIG_KEYS as readonly string[]).indexOf(k);
    return {
      ok: false,
      errors: [...problems.entries()]
        .sort((a, b) => order(a[0]) - order(b[0]))
        .map(([k, msgs]) => `- ${k}: ${[...new Set(msgs)].join('; ')}`),
    };
  }

  const v = value as Record<string, string | number | undefined>;
  const str = (k: ConfigKey) => (v[k] === undefined ? undefined : String(v[k]));
  const warnings: string[] = [];
  const feedSource = str('FEED_SOURCE') as AppConfig['feedSource'];
  let jwtSecret = str('JWT_SECRET');
  const jwtSecretGenerated = !jwtSecret;
  if (!jwtSecret) {
    jwtSecret = randomBytes(32).toString('hex');
    warnings.push(
      'JWT_SECRET is not set: using a random secret for this boot; tokens and the stored session will not survive a restart',
    );
  }
  const publicUrl = String(v.PUBLIC_URL).replace(/\/+$/, '');
  const list = (k: ConfigKey) =>
    str(k)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);

  const config: AppConfig = {
    nodeEnv: str('NODE_ENV') as AppConfig['nodeEnv'],
    port: Number(v.PORT),
    host: String(v.HOST),
    publicUrl,
    feedSource,
    kite: {
      apiKey: str('KITE_API_KEY') ?? SIM_API_KEY,
      apiSecret: str('KITE_API_SECRET') ?? SIM_API_SECRET,
      accessToken: str('KITE_ACCESS_TOKEN'),
      apiRoot: (str('KITE_API_ROOT') ?? KITE_DEFAULTS.apiRoot).replace(/\/+$/, ''),
      wsRoot: str('KITE_WS_ROOT') ?? KITE_DEFAULTS.wsRoot,
      loginUrl: str('KITE_LOGIN_URL') ?? KITE_DEFAULTS.loginUrl,
    },
    redisUrl: str('REDIS_URL'),
    cacheTtlMs: Number(v.CACHE_TTL_MS),
    jwtSecret,
    jwtSecretGenerated,
    jwtTtl: String(v.JWT_TTL),
    corsOrigins: list('CORS_ORIGINS') ?? [new URL(publicUrl).origin],
    allowedKiteUserIds: list('ALLOWED_KITE_USER_IDS')?.map((s) => s.toUpperCase()),
    maxSubscriptionsPerClient: Number(v.MAX_SUBSCRIPTIONS_PER_CLIENT),
    heartbeatIntervalMs: Number(v.HEARTBEAT_INTERVAL_MS),
    marketCalendarFile: str('MARKET_CALENDAR_FILE'),
    logLevel: String(v.LOG_LEVEL),
    clockStart: raw.CLOCK_START ? Date.parse(raw.CLOCK_START) : undefined,
  };
  return { ok: true, config, warnings };
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
