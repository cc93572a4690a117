import { Controller, Get, Param, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';
import type { AuthedRequest } from '../auth/jwt-auth.guard.js';
import { exchangeRefusal } from '../auth/token-limits.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import { INTERVALS, parseHistorical } from './historical-params.js';
import {
  HistoricalQueueFullError,
  HistoricalWaitError,
  HistoricalService,
  MAX_QUEUED_HISTORICAL_PER_USER,
} from './historical.service.js';
import { ApiKiteError, ApiKiteRoute } from './kite-api-docs.js';
import { KiteAuthGuard } from './kite-auth.guard.js';
import { kiteCallError } from './kite-call-error.js';
import { kiteSuccess } from './kite-error.js';
import { KiteException, exchangesRefused, inputError } from './kite-exception.js';
import { KiteExceptionFilter } from './kite-exception.filter.js';

/**
 * Kite's historical candles, paced at Kite's 3 requests a second for the whole cluster and fair
 * between users; completed candles come from the cache without a Kite call.
 */
@Controller('kite/instruments/historical')
@UseGuards(KiteAuthGuard, ApiThrottlerGuard)
@UseFilters(KiteExceptionFilter)
@ApiKiteRoute()
export class KiteHistoricalController {
  constructor(
    private readonly historical: HistoricalService,
    private readonly instruments: InstrumentsService,
  ) {}

  @ApiOperation({
    summary: "Kite's historical candles (getHistoricalData / historical_data())",
    description:
      "Kite's answer, in Kite's format. Requests wait for the cluster's historical slot (3 a second), round-robin between users; a range whose candles have all ended is cached and answered without a Kite call.",
  })
  @ApiParam({ name: 'token', example: '408065', description: 'The instrument token.' })
  @ApiParam({ name: 'interval', enum: Object.keys(INTERVALS) })
  @ApiQuery({
    name: 'from',
    example: '2026-12-01 09:15:00',
    description: 'IST, `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DD`.',
  })
  @ApiQuery({
    name: 'to',
    example: '2026-12-01 15:30:00',
    description: 'IST; the last candle starts at or before it.',
  })
  @ApiQuery({
    name: 'continuous',
    required: false,
    enum: ['0', '1'],
    description: 'Continuous futures data.',
  })
  @ApiQuery({
    name: 'oi',
    required: false,
    enum: ['0', '1'],
    description: 'Adds open interest to each candle.',
  })
  @ApiOkResponse({
    description: "Kite's envelope: `data.candles`, each `[date, open, high, low, close, volume(, oi)]`.",
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['success'] },
        data: {
          type: 'object',
          properties: {
            candles: { type: 'array', items: { type: 'array', items: { type: ['string', 'number'] } } },
          },
        },
      },
      example: {
        status: 'success',
        data: { candles: [['2026-12-01T09:15:00+0530', 1565.45, 1566, 1564.1, 1565.2, 20345]] },
      },
    },
  })
  @ApiKiteError(
    400,
    'InputException',
    'A bad token, interval or date, from after to, or a span past Kite’s limit.',
    'invalid interval: use one of minute, 3minute, 5minute, 10minute, 15minute, 30minute, 60minute, day',
  )
  @ApiKiteError(
    502,
    'NetworkException',
    'Kite answered with an error.',
    'Kite failed the historical request (Route not found); try again',
  )
  @ApiKiteError(
    504,
    'NetworkException',
    'Kite did not answer.',
    'Kite did not answer the historical request; try again',
  )
  @Get(':token/:interval')
  async candles(
    @Param('token') token: string,
    @Param('interval') interval: string,
    @Query() query: Record<string, unknown>,
    @Req() req: AuthedRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const parsed = parseHistorical(token, interval, query);
    if (!parsed.ok) throw inputError(parsed.message);
    await this.instruments.ready();
    if (this.instruments.size > 0 && !this.instruments.symbolOf(parsed.req.token)) {
      throw inputError(`invalid token ${parsed.req.token}: no such instrument`);
    }
    const limits = req.principal?.limits;
    if (exchangeRefusal(limits, this.instruments.symbolOf(parsed.req.token))) {
      throw exchangesRefused(limits?.exchanges);
    }
    try {
      return kiteSuccess({ candles: await this.historical.get(parsed.req, req.principal?.sub ?? '') });
    } catch (err) {
      if (err instanceof HistoricalQueueFullError) {
        res.setHeader('Retry-After', String(err.retryAfterS));
        throw new KiteException(
          429,
          'NetworkException',
          `${err.message} (${MAX_QUEUED_HISTORICAL_PER_USER}); retry after ${err.retryAfterS} s`,
        );
      }
      if (err instanceof HistoricalWaitError) {
        res.setHeader('Retry-After', String(err.retryAfterS));
        throw new KiteException(429, 'NetworkException', `${err.message}; retry after ${err.retryAfterS} s`);
      }
      throw kiteCallError(err, 'historical');
    }
  }
}
