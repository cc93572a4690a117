import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import type { SearchHit } from './instrument-index.js';
import { InstrumentsService } from './instruments.service.js';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';

@Controller('api')
@UseGuards(JwtAuthGuard, ApiThrottlerGuard)
export class InstrumentsController {
  constructor(private readonly instruments: InstrumentsService) {}

  /** `GET /api/instruments?q=INF`: exact, prefix, then substring matches of symbol or name. */
  @Get('instruments')
  @Roles('viewer')
  async search(@Query('q') q: unknown): Promise<{ data: SearchHit[] }> {
    if (typeof q !== 'string' || q.trim().length === 0 || q.length > 64) {
      throw new BadRequestException('q must be 1 to 64 characters');
    }
    await this.instruments.ready();
    return { data: this.instruments.search(q) };
  }
}
