import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AppConfig } from './app-config.js';
import { AppConfigService } from './app-config.service.js';

@Global()
@Module({})
export class AppConfigModule {
  /** Registers an already validated configuration (see `loadConfig`). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ app: config })] })],
      providers: [AppConfigService],
      exports: [AppConfigService],
    };
  }
}
