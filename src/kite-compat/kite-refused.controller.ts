import { Controller, Delete, Get, Patch, Post, Put, Req, UseFilters } from '@nestjs/common';
import { ApiExtension, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ROLE_EXTENSION } from '../http/api-docs/api-responses.js';
import { ApiKiteError, KITE_TAG } from './kite-api-docs.js';
import type { Request } from 'express';
import { KiteException } from './kite-exception.js';
import { KiteExceptionFilter } from './kite-exception.filter.js';

/** Kite's routes that a market-data gateway does not serve: trading, holdings, funds, the account, the session. */
export const REFUSED_FAMILIES = [
  'orders',
  'trades',
  'portfolio',
  'margins',
  'user',
  'gtt',
  'session',
  'mf',
  'alerts',
  'charges',
];

const REFUSAL =
  'kite-relay is a market-data gateway: it does not place orders or show holdings, positions, margins, GTTs, the account or the session. Use Kite itself for those';

const refused = () =>
  ApiOperation({
    summary: "Kite's other routes: refused",
    description: `Orders, trades, portfolio, margins, user, GTT, session, mutual funds, alerts and charges (/kite/orders, …) answer 403 PermissionException; any other path 404 GeneralException.`,
  });

/**
 * Everything else under /kite, for every method: a refused family answers 403 PermissionException
 * with a sentence (before any credential check: the answer is the same for anyone), anything else
 * 404 GeneralException as Kite does. Registered after the served routes, so it never shadows one.
 */
@Controller('kite')
@UseFilters(KiteExceptionFilter)
@ApiTags(KITE_TAG)
@ApiExtension(ROLE_EXTENSION, 'public')
@ApiKiteError(
  403,
  'PermissionException',
  'A route kite-relay does not serve (trading, holdings, the account).',
  'kite-relay is a market-data gateway: it does not place orders or show holdings, positions, margins, GTTs, the account or the session. Use Kite itself for those',
)
@ApiKiteError(404, 'GeneralException', 'No such Kite route.', 'Route not found')
export class KiteRefusedController {
  @refused()
  @Get('*path')
  get(@Req() req: Request): never {
    return refuse(req);
  }

  @refused()
  @Post('*path')
  post(@Req() req: Request): never {
    return refuse(req);
  }

  @refused()
  @Put('*path')
  put(@Req() req: Request): never {
    return refuse(req);
  }

  @refused()
  @Patch('*path')
  patch(@Req() req: Request): never {
    return refuse(req);
  }

  @refused()
  @Delete('*path')
  delete(@Req() req: Request): never {
    return refuse(req);
  }
}

function refuse(req: Request): never {
  const family = new URL(req.originalUrl, 'http://relay').pathname.split('/')[2] ?? '';
  if (REFUSED_FAMILIES.includes(family)) throw new KiteException(403, 'PermissionException', REFUSAL);
  throw new KiteException(404, 'GeneralException', 'Route not found');
}
