import type { AppConfig } from './app-config.js';

/** Typed read access to the validated, frozen configuration (provided by `AppConfigModule.forRoot`). */
export class AppConfigService {
  constructor(readonly values: AppConfig) {}
}
