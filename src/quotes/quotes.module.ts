import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { QuotesController } from './quotes.controller.js';
import { QuotesService } from './quotes.service.js';

/** `/api/quotes`: read-through quotes over the cache and Kite's quote API. */
@Module({
  imports: [AuthModule, CacheModule, InstrumentsModule],
  controllers: [QuotesController],
  providers: [QuotesService],
  exports: [QuotesService],
})
export class QuotesModule {}
