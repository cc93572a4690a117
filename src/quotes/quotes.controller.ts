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
import type { Principal } from '../auth/token.service.js';
import { exchangeRefusal } from '../auth/token-limits.js';
import { tooManyRequests } from '../common/too-many-requests.js';
import { quoteFailure } from './quote-failure.js';
import { QuotesService, type QuoteLookup } from './quotes.service.js';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';
import { ApiError, ApiViewerRateLimit } from '../http/api-docs/api-responses.js';
import { QuoteDto, QuotesResponseDto } from './quote.dto.js';

const MAX_INSTRUMENTS = 500;

@ApiTags('market data')
@ApiExtraModels(QuoteDto)
@Controller('api')
@UseGuards(JwtAuthGuard, ApiThrottlerGuard)
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

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
    let found: QuoteLookup;
    try {
      const limits = req.principal?.limits;
      found = await this.quotes.lookup(
        inputs,
        req.principal?.sub ?? '',
        'ltp',
        (symbol) => !exchangeRefusal(limits, symbol),
      );
    } catch (err) {
      const f = quoteFailure(err);
      switch (f.kind) {
        case 'queue_full':
          throw tooManyRequests(res, f.error.retryAfterS, `${f.error.message} (MAX_QUEUED_QUOTES_PER_USER)`);
        case 'no_session':
          throw new ServiceUnavailableException('no Kite session: an admin must log in first');
        case 'session_expired':
          throw new ServiceUnavailableException('the Kite session has expired: an admin must log in again');
        case 'kite_unreachable':
          throw new ServiceUnavailableException('Kite did not answer the quote request; try again');
      }
    }
    return { data: Object.fromEntries(found.data), missing: found.missing, refused: found.refused };
  }
}
