import { applyDecorators, Controller, Get, Param, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import { INSTRUMENTS_CSV_HEADER } from './instruments-csv.js';
import { InstrumentsCsvService } from './instruments-csv.service.js';
import { ApiKiteError, ApiKiteRoute } from './kite-api-docs.js';
import { KiteAuthGuard } from './kite-auth.guard.js';
import { KiteException, inputError } from './kite-exception.js';
import { KiteExceptionFilter } from './kite-exception.filter.js';
import { RelaySession } from './relay-session.js';

/** Whether the client takes gzip (`Accept-Encoding: gzip`, not `gzip;q=0`). */
const takesGzip = (header: string | undefined) =>
  (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    return coding.trim() === 'gzip' && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });

const opaque = (tag: string) => tag.trim().replace(/^W\//, '');

/** Whether `If-None-Match` names `etag` (or `*`): the weak comparison RFC 9110 prescribes for it. */
const matches = (header: string | undefined, etag: string) =>
  !!header && header.split(',').some((t) => t.trim() === '*' || opaque(t) === opaque(etag));

const csvAnswer = () =>
  applyDecorators(
    ApiOkResponse({
      description:
        "Kite's CSV (`Content-Type: text/csv`, exactly: the official clients parse only that), gzip'd when accepted.",
      content: {
        'text/csv': {
          schema: {
            type: 'string',
            example: `${INSTRUMENTS_CSV_HEADER}\n408065,1594,INFY,INFOSYS,0.0,,0.0,0.05,1,EQ,NSE,NSE`,
          },
        },
      },
      headers: { ETag: { description: 'Changes when the master does.', schema: { type: 'string' } } },
    }),
    ApiResponse({ status: 304, description: '`If-None-Match` names the current ETag: nothing changed.' }),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag of an earlier answer.' }),
    ApiKiteError(
      503,
      'NetworkException',
      'No master is loaded yet.',
      'the instrument master is not loaded yet; try again in a minute',
    ),
  );

/**
 * Kite's instrument master routes, answered from the master the relay holds (Redis or the data
 * directory, refreshed daily), never with a Kite call per request.
 */
@Controller('kite/instruments')
@UseGuards(KiteAuthGuard, ApiThrottlerGuard)
@UseFilters(KiteExceptionFilter)
@ApiKiteRoute()
export class KiteInstrumentsController {
  constructor(
    private readonly instruments: InstrumentsService,
    private readonly csv: InstrumentsCsvService,
    private readonly session: RelaySession,
  ) {}

  @ApiOperation({ summary: "Kite's instrument master, every exchange (getInstruments())" })
  @csvAnswer()
  @Get()
  all(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.send(req, res);
  }

  @ApiOperation({ summary: "Kite's instrument master of one exchange (getInstruments(['NSE']))" })
  @ApiParam({
    name: 'exchange',
    example: 'NSE',
    description: 'NSE, BSE, NFO, CDS, BCD, BFO, MCX, …; any case.',
  })
  @csvAnswer()
  @ApiKiteError(
    400,
    'InputException',
    'Not an exchange name.',
    'invalid exchange "N$E": use a name such as NSE',
  )
  @Get(':exchange')
  one(@Param('exchange') exchange: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (!/^[A-Z]{2,8}$/i.test(exchange)) {
      throw inputError(`invalid exchange ${JSON.stringify(exchange.slice(0, 16))}: use a name such as NSE`);
    }
    return this.send(req, res, exchange.toUpperCase());
  }

  private async send(req: Request, res: Response, exchange?: string): Promise<void> {
    await this.instruments.ready();
    if (this.instruments.size === 0) {
      throw (
        this.session.missing() ??
        new KiteException(
          503,
          'NetworkException',
          'the instrument master is not loaded yet; try again in a minute',
        )
      );
    }
    const a = await this.csv.answer(exchange);
    res.setHeader('ETag', a.etag);
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    if (matches(req.headers['if-none-match'], a.etag)) return void res.status(304).end();
    const gzipped = takesGzip(req.headers['accept-encoding']);
    // Exactly `text/csv`, no charset: the official JS client compares the whole header.
    res.setHeader('Content-Type', 'text/csv');
    if (gzipped) res.setHeader('Content-Encoding', 'gzip');
    res.status(200).end(gzipped ? a.gzipped : a.csv);
  }
}
