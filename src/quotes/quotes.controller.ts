import {
  BadRequestException,
  Controller,
  Get,
  Query,
  Req,
  Res,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import { NoSessionError } from '../auth/kite-api.service.js';
import { isTokenException } from '../kite/kite-rest.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import type { Principal } from '../auth/token.service.js';
import { tooManyRequests } from '../common/too-many-requests.js';
import { QuoteQueueFullError, QuotesService, type Quote } from './quotes.service.js';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';
import { ApiError, ApiViewerRateLimit } from '../http/api-docs/api-responses.js';
import { QuoteDto, QuotesResponseDto } from './quote.dto.js';

const MAX_INSTRUMENTS = 500;

@ApiTags('market data')
@ApiExtraModels(QuoteDto)
@Controller('api')
@UseGuards(JwtAuthGuard, ApiThrottlerGuard)
export class QuotesController {
  constructor(
    private readonly quotes: QuotesService,
    private readonly instruments: InstrumentsService,
  ) {}

  /** `GET /api/quotes?i=NSE:INFY&i=408065`: fresh from the cache, else from Kite; each with `as_of`. */
  @ApiOperation({
    summary: 'Latest quote per instrument',
    description:
      "Fresh from the cache, else read through Kite's quote API (one shared request at most once a second).",
  })
  @ApiQuery({
    name: 'i',
    type: [String],
    style: 'form',
    explode: true,
    description: `1 to ${MAX_INSTRUMENTS} instruments, the parameter repeated: \`EXCHANGE:SYMBOL\` or an instrument token.`,
    example: ['NSE:INFY', '408065'],
  })
  @ApiOkResponse({ type: QuotesResponseDto })
  @ApiError(
    400,
    `No instrument, or more than ${MAX_INSTRUMENTS}.`,
    `give 1 to ${MAX_INSTRUMENTS} instruments as ?i=NSE:INFY&i=408065`,
  )
  @ApiViewerRateLimit(
    ' Also: more uncached instruments waiting for Kite than MAX_QUEUED_QUOTES_PER_USER allows this user.',
  )
  @ApiError(
    503,
    'No Kite session (an admin must log in), or Kite did not answer.',
    'no Kite session: an admin must log in first',
  )
  @Get('quotes')
  @Roles('viewer')
  async get(
    @Query('i') i: unknown,
    @Req() req: Request & { principal?: Principal },
    @Res({ passthrough: true }) res: Response,
  ): Promise<QuotesResponseDto> {
    const inputs = (Array.isArray(i) ? i : i === undefined ? [] : [i]) as unknown[];
    if (
      inputs.length === 0 ||
      inputs.length > MAX_INSTRUMENTS ||
      !inputs.every((x) => typeof x === 'string')
    ) {
      throw new BadRequestException(`give 1 to ${MAX_INSTRUMENTS} instruments as ?i=NSE:INFY&i=408065`);
    }
    await this.instruments.ready();
    const resolved = inputs.map((input) => ({ input, r: this.instruments.resolve(input) }));
    const tokens = [...new Set(resolved.flatMap((x) => (x.r.ok ? [x.r.token] : [])))];
    let quotes: Map<number, Quote>;
    try {
      quotes = await this.quotes.get(tokens, req.principal?.sub ?? '');
    } catch (err) {
      if (err instanceof QuoteQueueFullError) {
        throw tooManyRequests(res, err.retryAfterS, `${err.message} (MAX_QUEUED_QUOTES_PER_USER)`);
      }
      if (err instanceof NoSessionError) {
        throw new ServiceUnavailableException('no Kite session: an admin must log in first');
      }
      if (isTokenException(err)) {
        throw new ServiceUnavailableException('the Kite session has expired: an admin must log in again');
      }
      throw new ServiceUnavailableException('Kite did not answer the quote request; try again');
    }
    const data: Record<string, Quote> = {};
    const missing: string[] = [];
    for (const { input, r } of resolved) {
      const q = r.ok ? quotes.get(r.token) : undefined;
      if (q) data[input] = q;
      else missing.push(input);
    }
    return { data, missing };
  }
}
