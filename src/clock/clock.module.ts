import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock, SystemClock } from './clock.js';

@Global()
@Module({})
export class ClockModule {
  /** Provides the system clock (shifted to `startAt` when CLOCK_START is set) or a given clock (tests). */
  static forRoot(options: { startAt?: number; clock?: Clock }): DynamicModule {
    return {
      module: ClockModule,
      providers: [{ provide: Clock, useValue: options.clock ?? new SystemClock(options.startAt) }],
      exports: [Clock],
    };
  }
}
