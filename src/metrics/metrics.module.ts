import { Global, Module, type DynamicModule } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics-server.js';
import { MetricsService } from './metrics.service.js';

@Global()
@Module({})
export class MetricsModule {
  /** With a METRICS_PORT, /metrics is served there only; without one, on the main port. */
  static forRoot(metricsPort: number | undefined): DynamicModule {
    const separate = metricsPort !== undefined;
    return {
      module: MetricsModule,
      controllers: separate ? [] : [MetricsController],
      providers: [MetricsService, ...(separate ? [MetricsServer] : [])],
      exports: [MetricsService],
    };
  }
}
