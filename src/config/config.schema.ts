import Joi from 'joi';
import { hostname } from 'node:os';
import {
  isPlaceholder,
  kiteUserIds,
  notPlaceholder,
  port,
  prod,
  strongSecret,
  url,
  wholeNumber,
} from './schema-rules.js';
import { recordRules } from './record-schema.js';
import { parseTrustProxy } from './trust-proxy.js';

export { isPlaceholder };

export const KITE_DEFAULTS = {
  apiRoot: 'https://api.kite.trade',
  wsRoot: 'wss://ws.kite.trade',
  loginUrl: 'https://kite.zerodha.com/connect/login',
} as const;

/**
 * The Joi schema. Problems are phrased "what is wrong, how to fix it" and never include the
 * offending value (a secret must not reach a log through its own error message).
 */
export const configSchema = Joi.object({
  NODE_ENV: Joi.string()
    .valid('development', 'test', 'production')
    .default('development')
    .messages({ 'any.only': 'must be one of development, test or production' }),
  PORT: port('').default(3000),
  HOST: Joi.string()
    .min(1)
    .default('0.0.0.0')
    .messages({ '*': 'must be an interface address such as 0.0.0.0 or 127.0.0.1' }),
  // Production serves /metrics only here (never published); elsewhere unset means the main port.
  METRICS_PORT: prod(port('; 9464 by default in production').default(9464), port(''))
    .custom((v: number, h) =>
      v !== 0 && v === (h.state.ancestors as { PORT?: number }[])[0].PORT
        ? h.message({ custom: 'must differ from PORT (metrics are served on a port of their own)' })
        : v,
    )
    .messages({ custom: 'must differ from PORT (metrics are served on a port of their own)' }),
  // Optional bearer token for /metrics (either port): long and random, since a scraper sends it often.
  METRICS_TOKEN: Joi.string()
    .min(32)
    .pattern(/^[\x21-\x7e]+$/)
    .custom((v: string, h) => (isPlaceholder(v) || /^(.)\1*$/.test(v) ? h.message({ custom: 'weak' }) : v))
    .messages({
      '*': 'must be at least 32 printable characters without spaces, not a placeholder (generate one with `openssl rand -hex 32`), or unset for no /metrics authentication',
    }),
  PUBLIC_URL: prod(
    url(['https'])
      .custom((v: string, h) =>
        /\.example\.(com|org|net)\b/i.test(v) ? h.message({ custom: 'is the template placeholder' }) : v,
      )
      .messages({
        'string.uri': 'must be an absolute URL',
        'string.uriCustomScheme':
          'must start with https:// in production (the Kite redirect and the session cookie need TLS)',
        custom:
          'is the template placeholder; set it to the https:// address browsers use to reach kite-relay',
        'any.required': 'is required in production: the https:// address browsers use to reach kite-relay',
      })
      .required(),
    url(['http', 'https'])
      .default((env: { PORT: number }) => `http://localhost:${env.PORT}`)
      .messages({ '*': 'must be an absolute http:// or https:// URL' }),
  ),
  // Development trusts a proxy on this host; elsewhere nobody is believed unless configured.
  TRUST_PROXY: Joi.string()
    .default((env: { NODE_ENV: string }) => (env.NODE_ENV === 'development' ? 'loopback' : 'false'))
    .custom((v: string, h) => (parseTrustProxy(v) === undefined ? h.message({ custom: 'bad' }) : v))
    .messages({
      '*': 'must be false, true, a hop count (0-16), or a comma list of proxy addresses, CIDRs or the names loopback, linklocal, uniquelocal',
    }),
  FEED_SOURCE: prod(
    Joi.string()
      .valid('kite')
      .messages({ 'any.only': 'must be kite in production (the simulator is for development and tests)' }),
    Joi.string().valid('kite', 'simulator').messages({ 'any.only': 'must be kite or simulator' }),
  ).default((env: { NODE_ENV: string; KITE_API_KEY?: string }) =>
    env.NODE_ENV === 'production' || env.KITE_API_KEY ? 'kite' : 'simulator',
  ),
  KITE_API_KEY: Joi.when('FEED_SOURCE', {
    is: 'kite',
    then: notPlaceholder('copy the API key of your app from https://developers.kite.trade')
      .required()
      .messages({
        'any.required':
          'is required when FEED_SOURCE=kite; copy it from your app on https://developers.kite.trade',
      }),
    otherwise: Joi.string(),
  }),
  KITE_API_SECRET: Joi.when('FEED_SOURCE', {
    is: 'kite',
    then: notPlaceholder('copy the API secret of your app from https://developers.kite.trade')
      .required()
      .messages({
        'any.required':
          'is required when FEED_SOURCE=kite; copy it from your app on https://developers.kite.trade',
      }),
    otherwise: Joi.string(),
  }),
  KITE_ACCESS_TOKEN: notPlaceholder('leave it unset, or paste a token obtained today').messages({
    'string.base': 'must be a string',
  }),
  KITE_API_ROOT: url(['http', 'https']).messages({ '*': 'must be an absolute http(s) URL' }),
  KITE_WS_ROOT: url(['ws', 'wss']).messages({ '*': 'must be an absolute ws:// or wss:// URL' }),
  KITE_LOGIN_URL: url(['http', 'https']).messages({ '*': 'must be an absolute http(s) URL' }),
  REDIS_URL: prod(
    url(['redis', 'rediss'])
      .required()
      .custom((v: string, h) => {
        const password = redisPassword(v);
        if (!password) return h.error('redis.unauthenticated');
        return isPlaceholder(password) ? h.message({ custom: 'placeholder' }) : v;
      })
      .messages({
        custom:
          "carries the template's placeholder password; generate one with `openssl rand -hex 32` and put the same in Redis (requirepass or its ACL user)",
        'redis.unauthenticated':
          'carries no password: in production Redis must be authenticated, since whoever can write to it can disrupt the cluster; set one in Redis (requirepass, or an ACL user) and put it in the URL: redis://:PASSWORD@redis:6379 or redis://USER:PASSWORD@redis:6379 (docs/security-redis.md)',
        'any.required':
          'is required in production; point it at your Redis with its password, e.g. redis://:PASSWORD@redis:6379 in docker compose',
        'string.uri': 'must be a redis:// or rediss:// URL, e.g. redis://redis:6379',
        'string.uriCustomScheme': 'must be a redis:// or rediss:// URL, e.g. redis://redis:6379',
      }),
    url(['redis', 'rediss']).messages({
      '*': 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379',
    }),
  ),
  NODE_ID: Joi.string()
    .pattern(/^[A-Za-z0-9._-]{1,64}$/)
    .default(() => `${hostname()}-${process.pid}`)
    .messages({ '*': 'must be 1 to 64 letters, digits, dots, dashes or underscores (e.g. the pod name)' }),
  LEASE_TTL_MS: Joi.number()
    .integer()
    .min(1000)
    .max(60000)
    .default(5000)
    .messages({ '*': 'must be a whole number of milliseconds between 1000 and 60000' }),
  LEASE_RENEW_MS: Joi.number()
    .integer()
    .min(100)
    .max(Joi.ref('LEASE_TTL_MS', { adjust: (ttl: number) => Math.floor(ttl / 3) }))
    .default(1500)
    .messages({
      '*': 'must be a whole number of milliseconds from 100 up to a third of LEASE_TTL_MS (a holder renews at least 3 times a lease)',
    }),
  CACHE_TTL_MS: Joi.number()
    .integer()
    .min(1000)
    .max(10000)
    .default(5000)
    .messages({ '*': 'must be a whole number of milliseconds between 1000 and 10000' }),
  JWT_SECRET: prod(strongSecret(), Joi.string().min(1)),
  JWT_TTL: Joi.string()
    .pattern(/^\d+(s|m|h|d)?$/)
    .default('12h')
    .messages({ '*': 'must be a duration such as 30m, 12h or 7d (or a number of seconds)' }),
  // Seals the stored Kite session; independent of JWT_SECRET so that either can be rotated alone.
  SESSION_ENCRYPTION_KEY: prod(
    strongSecret().invalid(Joi.ref('JWT_SECRET')).messages({
      'any.invalid': 'must differ from JWT_SECRET (each is rotated on its own); generate another one',
    }),
    Joi.string().min(1),
  ),
  // Signs the cluster bus and the records in Redis; optional: without it the key is derived from
  // SESSION_ENCRYPTION_KEY, which every node already shares (docs/security-redis.md).
  CLUSTER_SECRET: strongSecret()
    .optional()
    .invalid(Joi.ref('JWT_SECRET'))
    .messages({ 'any.invalid': 'must differ from JWT_SECRET; generate another one' }),
  CORS_ORIGINS: prod(
    Joi.string()
      .custom((v: string, h) =>
        v
          .split(',')
          .map((s) => s.trim())
          .includes('*')
          ? h.message({ custom: 'must not be * in production' })
          : v,
      )
      .messages({ custom: 'must not be * in production; list the exact dashboard origins, comma-separated' }),
    Joi.string(),
  ),
  // Only these Kite users may log in; a login makes its user admin, so production must name them.
  ALLOWED_KITE_USER_IDS: prod(
    kiteUserIds().required().messages({
      'any.required':
        'is required in production: the Kite user ids that may log in and be admin, comma-separated (e.g. AB1234)',
    }),
    kiteUserIds(),
  ),
  MAX_SUBSCRIPTIONS_PER_CLIENT: Joi.number()
    .integer()
    .min(1)
    .max(9000)
    .default(500)
    .messages({ '*': 'must be a whole number between 1 and 9000' }),
  MAX_CONNECTIONS_PER_USER: wholeNumber(1, 100_000, 20),
  MAX_INSTRUMENTS_PER_USER: wholeNumber(1, 9000, 1000),
  MAX_UNAUTHENTICATED_PER_ADDRESS: wholeNumber(1, 100_000, 20),
  // At least one /api/quotes request's worth (500), or a full request could never be queued.
  MAX_QUEUED_QUOTES_PER_USER: wholeNumber(500, 100_000, 1000),
  API_RATE_LIMIT_PER_MINUTE: wholeNumber(1, 100_000, 600),
  // Under 1 s, so that a client waiting out its window never misses Kite's heartbeat second.
  KITE_WS_FLUSH_MS: wholeNumber(0, 500, 0),
  HEARTBEAT_INTERVAL_MS: Joi.number()
    .integer()
    .min(100)
    .max(600000)
    .default(5000)
    .messages({ '*': 'must be a whole number of milliseconds between 100 and 600000' }),
  MARKET_CALENDAR_FILE: Joi.string().min(1),
  DATA_DIR: Joi.string().min(1).default('data'),
  ...recordRules,
  LOG_LEVEL: Joi.string()
    .valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent')
    .default('info')
    .messages({ 'any.only': 'must be one of fatal, error, warn, info, debug, trace, silent' }),
  CLOCK_START: prod(
    Joi.any().forbidden().messages({
      'any.unknown': 'is refused in production (it shifts the server clock); remove it',
    }),
    Joi.string()
      .isoDate()
      .pattern(/(Z|[+-]\d\d:\d\d)$/)
      .messages({ '*': 'must be an ISO-8601 instant with an offset, e.g. 2026-12-01T09:14:55+05:30' }),
  ),
}).unknown(true);

/** The password part of a Redis URL ('' without one); never printed. */
function redisPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}
