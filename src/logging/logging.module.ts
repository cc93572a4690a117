import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DestinationStream } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { prettyTarget } from './log-format.js';
import { REDACT_PATHS, redactText } from './redact.js';

@Module({})
export class LoggingModule {
  /** JSON logs through nestjs-pino, pretty in development on a terminal, secrets redacted. */
  static forRoot(config: AppConfig, destination?: DestinationStream): DynamicModule {
    const pretty = destination ? undefined : prettyTarget(config.nodeEnv, process.stdout.isTTY === true);
    const options = {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      transport: pretty ? { target: pretty, options: { singleLine: true } } : undefined,
      autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)/.test(req.url ?? '') },
      serializers: {
        req: (req: IncomingMessage & { id?: unknown }) => ({
          id: req.id,
          method: req.method,
          url: redactText(req.url ?? ''),
        }),
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      },
      hooks: {
        logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactText(a) : a)),
          );
        },
      },
    };
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: destination ? [options, destination] : options })],
      exports: [LoggerModule],
    };
  }
}
