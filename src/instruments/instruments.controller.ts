import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import { ApiError, ApiViewerRateLimit } from '../http/api-docs/api-responses.js';
import { SearchResultDto } from './instruments.dto.js';
import { InstrumentsService } from './instruments.service.js';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';

@ApiTags('market data')
@Controller('api')
@UseGuards(JwtAuthGuard, ApiThrottlerGuard)
export class InstrumentsController {
  constructor(private readonly instruments: InstrumentsService) {}

  /** `GET /api/instruments?q=INF`: exact, prefix, then substring matches of symbol or name. */
  @ApiOperation({ summary: 'Search the instrument master by symbol or name' })
  @ApiQuery({ name: 'q', type: 'string', minLength: 1, maxLength: 64, example: 'INF' })
  @ApiOkResponse({ type: SearchResultDto })
  @ApiError(400, 'q is missing, blank or longer than 64 characters.', 'q must be 1 to 64 characters')
  @ApiViewerRateLimit()
  @Get('instruments')
  @Roles('viewer')
  async search(@Query('q') q: unknown): Promise<SearchResultDto> {
    if (typeof q !== 'string' || q.trim().length === 0 || q.length > 64) {
      throw new BadRequestException('q must be 1 to 64 characters');
    }
    await this.instruments.ready();
    return { data: this.instruments.search(q) };
  }
}
