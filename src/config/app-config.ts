/** The validated, typed configuration. Built once at boot by `loadConfig`; nothing else reads the environment. */
export interface AppConfig {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicUrl: string;
  feedSource: 'kite' | 'simulator';
  kite: {
    apiKey: string;
    apiSecret: string;
    accessToken?: string;
    apiRoot: string;
    wsRoot: string;
    loginUrl: string;
  };
  redisUrl?: string;
  cacheTtlMs: number;
  jwtSecret: string;
  /** True when no JWT_SECRET was given outside production and a random one was generated for this boot. */
  jwtSecretGenerated: boolean;
  jwtTtl: string;
  corsOrigins: string[];
  allowedKiteUserIds?: string[];
  maxSubscriptionsPerClient: number;
  heartbeatIntervalMs: number;
  marketCalendarFile?: string;
  logLevel: string;
  /** Epoch milliseconds the server clock starts from (development/test only). */
  clockStart?: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
