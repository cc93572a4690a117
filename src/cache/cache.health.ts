import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CacheService } from './cache.service.js';

@Injectable()
export class CacheHealthIndicator {
  constructor(
    private readonly cache: CacheService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check() {
    const session = this.indicator.check('cache');
    switch (this.cache.mode) {
      case 'redis':
        return session.up({ mode: 'redis' });
      case 'memory':
        return session.up({ mode: 'memory' });
      case 'fallback':
        return session.degraded({ mode: 'memory fallback', message: 'degraded (memory fallback)' });
    }
  }
}
