import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from 'nestjs-pino';
import { startApp } from './app.factory.js';
import { pingRedis } from './cache/redis-connection.js';
import { loadConfig } from './config/load-config.js';
import { BUILTIN_CALENDAR_FILE, loadCalendar, type MarketCalendar } from './market-status/calendar.js';
import { KiteSimulator } from './simulator/simulator.js';

/** sysexits EX_CONFIG: the configuration is wrong, restarting will not help. */
const EX_CONFIG = 78;

function fail(lines: string[]): never {
  process.stderr.write(`kite-relay: configuration is invalid; nothing was started:\n${lines.join('\n')}\n`);
  process.exit(EX_CONFIG);
}

async function main(): Promise<void> {
  const loaded = loadConfig(process.env, { inContainer: existsSync('/.dockerenv') });
  if (!loaded.ok) fail(loaded.errors);
  const config = loaded.config;

  let calendar: MarketCalendar;
  try {
    calendar = loadCalendar(config.marketCalendarFile ?? BUILTIN_CALENDAR_FILE);
  } catch (err) {
    fail([`- MARKET_CALENDAR_FILE: ${(err as Error).message}`]);
  }

  if (config.nodeEnv === 'production' && config.redisUrl) {
    const error = await pingRedis(config.redisUrl);
    if (error) {
      fail([
        `- REDIS_URL: Redis did not answer PING (${error}); check that Redis runs and the URL names it (e.g. redis://redis:6379)`,
      ]);
    }
  }

  let simulator: KiteSimulator | undefined;
  if (config.feedSource === 'simulator') {
    // The embedded Kite stand-in: on a free loopback port, redirecting logins back to this gateway.
    simulator = await new KiteSimulator({
      apiKey: config.kite.apiKey,
      apiSecret: config.kite.apiSecret,
      redirectUrl: `${config.publicUrl}/api/auth/kite/callback`,
    }).start();
    config.kite = { ...config.kite, ...simulator.urls };
  }

  const app = await startApp({ config, calendar }, { port: config.port, host: config.host });
  const logger = app.get(Logger);
  for (const w of loaded.warnings) logger.warn(w);
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
    `READY port=${port} feed=${config.feedSource} cache=${config.redisUrl ? 'redis' : 'memory'} url=${config.publicUrl}`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`kite-relay: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
