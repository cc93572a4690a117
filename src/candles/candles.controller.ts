import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { INTERVALS, istIsoSeconds, isInterval } from './candle.js';
import { CandleSources, JwtAuthGuard, Roles } from './candle-sources.js';
import { CandlesService } from './candles.service.js';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';
import { ApiError, ApiViewerRateLimit } from '../http/api-docs/api-responses.js';
import { CandlesResponseDto } from './candles.dto.js';

const INSTRUMENT = /^(\d{1,10}|[A-Z]+:[^\s:][^:]{0,60})$/i;

@ApiTags('market data')
@Controller('api')
@UseGuards(JwtAuthGuard, ApiThrottlerGuard)
export class CandlesController {
  constructor(
    private readonly candles: CandlesService,
    private readonly sources: CandleSources,
  ) {}

  /** `GET /api/candles?i=NSE:INFY&interval=5m`: the session's candles of one instrument. */
  @ApiOperation({
    summary: "The current session's candles of one instrument",
    description: 'Built from the ticks; the part of the session not seen is fetched from Kite first.',
  })
  @ApiQuery({
    name: 'i',
    type: 'string',
    description: '`EXCHANGE:SYMBOL` or an instrument token.',
    example: 'NSE:INFY',
  })
  @ApiQuery({ name: 'interval', enum: Object.keys(INTERVALS), required: false, example: '5m' })
  @ApiOkResponse({ type: CandlesResponseDto })
  @ApiError(
    400,
    'No instrument, an unknown one, or an interval other than 1m, 5m or 15m.',
    'interval must be 1m, 5m or 15m',
  )
  @ApiViewerRateLimit()
  @Get('candles')
  @Roles('viewer')
  async get(@Query('i') i: unknown, @Query('interval') interval: unknown): Promise<CandlesResponseDto> {
    if (typeof i !== 'string' || !INSTRUMENT.test(i)) {
      throw new BadRequestException('give one instrument as ?i=NSE:INFY or ?i=408065');
    }
    const iv = interval ?? '1m';
    if (!isInterval(iv)) throw new BadRequestException('interval must be 1m, 5m or 15m');
    const r = await this.sources.resolve(i);
    if (!r) throw new BadRequestException(`unknown instrument: ${i}`);
    const view = await this.candles.view(r.token, iv);
    return {
      instrument_token: r.token,
      symbol: r.symbol ?? this.sources.symbolOf(r.token) ?? null,
      interval: iv,
      candles: view.candles.map((c) => [c.t / 1000, c.o, c.h, c.l, c.c, c.v]),
      complete_from: view.completeFrom === undefined ? null : istIsoSeconds(view.completeFrom),
    };
  }
}
