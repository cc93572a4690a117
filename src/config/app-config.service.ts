import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from './app-config.js';

/** Typed read access to the validated configuration. */
@Injectable()
export class AppConfigService {
  readonly values: AppConfig;

  constructor(configService: ConfigService) {
    const values = configService.get<AppConfig>('app');
    if (!values) throw new Error('configuration was not loaded');
    this.values = values;
  }

  get isProduction(): boolean {
    return this.values.nodeEnv === 'production';
  }
}
