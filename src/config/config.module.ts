import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from './app-config.js';
import { AppConfigService } from './app-config.service.js';

/** Global on purpose: every module may read the configuration (ARCHITECTURE.md). */
@Global()
@Module({})
export class AppConfigModule {
  /** Registers the configuration main validated before anything started (see `loadConfig`). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: AppConfigService, useValue: new AppConfigService(config) }],
      exports: [AppConfigService],
    };
  }
}
