import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from 'nestjs-pino';
import { startApp } from './app.factory.js';
import { SystemClock } from './clock/clock.js';
import { errorText } from './common/error-text.js';
import { withKiteEndpoints, type AppConfig } from './config/app-config.js';
import { checkDataDir, checkRecordDir } from './config/boot-checks.js';
import { keepDevSecrets } from './config/dev-secrets.js';
import { loadConfig } from './config/load-config.js';
import { checkRedis } from './redis/redis-boot-check.js';
import { BUILTIN_CALENDAR_FILE, loadCalendar, type MarketCalendar } from './market-status/calendar.js';
import { KiteSimulator } from './simulator/simulator.js';

/** sysexits EX_CONFIG: the configuration is wrong, restarting will not help. */
const EX_CONFIG = 78;

function fail(lines: string[]): never {
  process.stderr.write(`kite-relay: configuration is invalid; nothing was started:\n${lines.join('\n')}\n`);
  process.exit(EX_CONFIG);
}

/** Everything checked before any module starts: the schema, the calendar, the data directory, Redis. */
async function validated(): Promise<{ config: AppConfig; calendar: MarketCalendar; warnings: string[] }> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) fail(loaded.errors);
  const { config: schemaConfig, warnings: schemaWarnings } = loaded;
  let calendar: MarketCalendar;
  try {
    calendar = loadCalendar(schemaConfig.marketCalendarFile ?? BUILTIN_CALENDAR_FILE);
  } catch (err) {
    fail([`- MARKET_CALENDAR_FILE: ${errorText(err)}`]);
  }
  const dirs = [checkDataDir(schemaConfig), checkRecordDir(schemaConfig)].filter((p) => p !== undefined);
  if (dirs.length > 0) fail(dirs);
  // Development without JWT_SECRET or SESSION_ENCRYPTION_KEY: the generated ones are kept in DATA_DIR.
  const dev = keepDevSecrets(schemaConfig);
  const config = dev.config;
  const warnings = [
    ...schemaWarnings.filter((w) => !dev.kept.some((k) => w.startsWith(`${k} is not set`))),
    ...dev.warnings,
  ];
  if (config.redisUrl) {
    const problem = await checkRedis(config.redisUrl, existsSync('/.dockerenv'));
    // A refusal is configuration everywhere. A silent Redis: production needs it; elsewhere the
    // cache serves from memory until Redis answers.
    if (problem && (problem.refused || config.nodeEnv === 'production')) fail([problem.line]);
    if (problem) warnings.push(`${problem.line.slice(2)}; serving from memory until it answers`);
  }
  return { config, calendar, warnings };
}

async function main(): Promise<void> {
  const { config: checked, calendar, warnings } = await validated();
  let config = checked;
  // One clock for the gateway and its embedded simulator (CLOCK_START shifts both).
  const clock = new SystemClock(config.clockStart);
  let simulator: KiteSimulator | undefined;
  if (config.feedSource === 'simulator') {
    // The embedded Kite stand-in: on a free loopback port, redirecting logins back to this gateway.
    simulator = await new KiteSimulator({
      apiKey: config.kite.apiKey,
      apiSecret: config.kite.apiSecret,
      redirectUrl: `${config.publicUrl}/api/auth/kite/callback`,
      now: () => clock.now(),
    }).start();
    config = withKiteEndpoints(config, simulator.urls);
  }

  const app = await startApp({ config, calendar, clock }, { port: config.port, host: config.host });
  const logger = app.get(Logger);
  for (const w of warnings) logger.warn(w);
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  const stopSimulator = () => void simulator?.stop();
  process.once('SIGTERM', () => {
    // Whatever happens in the drain, the process is gone within 10 s.
    setTimeout(() => process.exit(0), 9000).unref();
    stopSimulator();
  });
  process.once('SIGINT', stopSimulator);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.log(
    `READY port=${port} node=${config.nodeId} feed=${config.feedSource} cache=${config.redisUrl ? 'redis' : 'memory'} url=${config.publicUrl}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(
    `kite-relay: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
