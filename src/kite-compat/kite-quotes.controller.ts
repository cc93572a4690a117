import { Controller, Get, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';
import type { AuthedRequest } from '../auth/jwt-auth.guard.js';
import { exchangeRefusal } from '../auth/token-limits.js';
import type { TickMode } from '../kite/kite.constants.js';
import { quoteFailure } from '../quotes/quote-failure.js';
import { QuotesService, type QuoteLookup } from '../quotes/quotes.service.js';
import { ApiKiteError, ApiKiteRoute } from './kite-api-docs.js';
import { kiteSuccess } from './kite-error.js';
import { KiteAuthGuard } from './kite-auth.guard.js';
import { KiteException, exchangesRefused, inputError, relaySessionError } from './kite-exception.js';
import { KiteExceptionFilter } from './kite-exception.filter.js';
import { RelaySession } from './relay-session.js';
import { KITE_QUOTE_LIMITS, kiteQuote, type KiteQuoteRoute } from './kite-quote-shape.js';

/** The tick mode each route needs from the cache: a full quote needs depth, ohlc needs the ohlc. */
const NEED: Readonly<Record<KiteQuoteRoute, TickMode>> = { quote: 'full', ohlc: 'quote', ltp: 'ltp' };
const MAX_INPUT = 64;

/** Every `i` of the query string, counted from the raw URL (Express' parser stops at 1,000 keys). */
function instrumentsOf(req: Request): string[] {
  return new URL(req.originalUrl, 'http://relay').searchParams.getAll('i');
}

const quoteQuery = (route: KiteQuoteRoute) =>
  ApiQuery({
    name: 'i',
    type: [String],
    style: 'form',
    explode: true,
    description: `1 to ${KITE_QUOTE_LIMITS[route]} instruments, the parameter repeated: \`EXCHANGE:SYMBOL\` or an instrument token.`,
    example: ['NSE:INFY', '408065'],
  });

const badInput = (route: KiteQuoteRoute) =>
  ApiKiteError(
    400,
    'InputException',
    `No instrument, more than ${KITE_QUOTE_LIMITS[route]}, a malformed one, or none that is known.`,
    `give 1 to ${KITE_QUOTE_LIMITS[route]} instruments as ?i=NSE:INFY&i=408065`,
  );

const kiteDown = () =>
  ApiKiteError(
    503,
    'NetworkException',
    'Kite did not answer.',
    'Kite did not answer the quote request; try again',
  );

const dataOf = (example: Record<string, unknown>) =>
  ApiOkResponse({
    description:
      "Kite's envelope; `data` keyed by the input as given. Unknown instruments are left out, as Kite does.",
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['success'] },
        data: { type: 'object', additionalProperties: { type: 'object' } },
      },
      example: { status: 'success', data: { 'NSE:INFY': example } },
    },
  });

/**
 * Kite's quote routes, over the same lookup as /api/quotes (cache, coalescing, the cluster's one
 * quote call a second, the per-user fair queue), answered in Kite's shapes.
 */
@Controller('kite/quote')
@UseGuards(KiteAuthGuard, ApiThrottlerGuard)
@UseFilters(KiteExceptionFilter)
@ApiKiteRoute()
export class KiteQuotesController {
  constructor(
    private readonly quotes: QuotesService,
    private readonly session: RelaySession,
  ) {}

  @ApiOperation({ summary: "Kite's full quote (getQuote / quote())" })
  @quoteQuery('quote')
  @dataOf({
    instrument_token: 408065,
    last_price: 1412.95,
    lower_circuit_limit: null,
    upper_circuit_limit: null,
  })
  @badInput('quote')
  @kiteDown()
  @Get()
  quote(@Req() req: AuthedRequest & Request, @Res({ passthrough: true }) res: Response) {
    return this.answer('quote', req, res);
  }

  @ApiOperation({ summary: "Kite's OHLC quote (getOHLC / ohlc())" })
  @quoteQuery('ohlc')
  @dataOf({
    instrument_token: 408065,
    last_price: 1075,
    ohlc: { open: 1085.8, high: 1085.9, low: 1070.9, close: 1075.8 },
  })
  @badInput('ohlc')
  @kiteDown()
  @Get('ohlc')
  ohlc(@Req() req: AuthedRequest & Request, @Res({ passthrough: true }) res: Response) {
    return this.answer('ohlc', req, res);
  }

  @ApiOperation({ summary: "Kite's last price (getLTP / ltp())" })
  @quoteQuery('ltp')
  @dataOf({ instrument_token: 408065, last_price: 1074.35 })
  @badInput('ltp')
  @kiteDown()
  @Get('ltp')
  ltp(@Req() req: AuthedRequest & Request, @Res({ passthrough: true }) res: Response) {
    return this.answer('ltp', req, res);
  }

  private async answer(route: KiteQuoteRoute, req: AuthedRequest & Request, res: Response) {
    const inputs = instrumentsOf(req);
    const max = KITE_QUOTE_LIMITS[route];
    if (inputs.length === 0 || inputs.length > max) {
      throw inputError(
        `give 1 to ${max} instruments as ?i=NSE:INFY&i=408065 (${inputs.length} given; Kite's limit for this route)`,
      );
    }
    const bad = inputs.find((x) => x.length === 0 || x.length > MAX_INPUT || !/^(\d+|[A-Z]+:\S.*)$/i.test(x));
    if (bad !== undefined) {
      throw inputError(
        `invalid instrument ${JSON.stringify(bad.slice(0, MAX_INPUT))}: use EXCHANGE:SYMBOL or a token`,
      );
    }
    let found: QuoteLookup;
    try {
      const limits = req.principal?.limits;
      const allowed = (symbol: string | undefined) => !exchangeRefusal(limits, symbol);
      found = await this.quotes.lookup(inputs, req.principal?.sub ?? '', NEED[route], allowed);
    } catch (err) {
      const f = quoteFailure(err);
      switch (f.kind) {
        case 'queue_full':
          res.setHeader('Retry-After', String(f.error.retryAfterS));
          throw new KiteException(
            429,
            'NetworkException',
            `${f.error.message} (MAX_QUEUED_QUOTES_PER_USER); retry after ${f.error.retryAfterS} s`,
          );
        case 'no_session':
          throw relaySessionError(false);
        case 'session_expired':
          throw relaySessionError(true);
        case 'kite_unreachable':
          throw new KiteException(
            503,
            'NetworkException',
            'Kite did not answer the quote request; try again',
          );
      }
    }
    if (found.data.size === 0 && found.refused.length > 0 && found.missing.length === 0) {
      throw exchangesRefused(req.principal?.limits?.exchanges);
    }
    if (found.data.size === 0) {
      // Nothing cached, nothing resolvable: without a session that is the relay's fault, not the input's.
      const noSession = this.session.missing();
      if (noSession) throw noSession;
      throw inputError(
        `no known instrument among ${inputs.length} given (unknown: ${found.missing.slice(0, 5).join(', ')})`,
      );
    }
    const data: Record<string, unknown> = {};
    for (const [input, q] of found.data) data[input] = kiteQuote(q, route);
    return kiteSuccess(data);
  }
}
