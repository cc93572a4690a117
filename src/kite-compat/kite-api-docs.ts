/** What the /kite routes answer, for the API description: Kite's envelopes and Kite's credential. */
import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiProperty, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ROLE_EXTENSION } from '../http/api-docs/api-responses.js';
import type { KiteErrorBody, KiteErrorType } from './kite-error.js';

import { KITE_SCHEME, KITE_TAG } from '../http/api-docs/kite-scheme.js';

export { KITE_SCHEME, KITE_TAG } from '../http/api-docs/kite-scheme.js';

const ERROR_TYPES = [
  'TokenException',
  'InputException',
  'NetworkException',
  'PermissionException',
  'GeneralException',
] as const satisfies readonly KiteErrorType[];

/** Kite's error envelope, as the official clients read it. */
export class KiteErrorDto implements KiteErrorBody {
  @ApiProperty({ enum: ['error'] }) status!: 'error';
  @ApiProperty({ description: 'What was wrong; never a secret.', example: 'invalid interval' })
  message!: string;
  @ApiProperty({ enum: ERROR_TYPES, description: 'The exception the official clients raise.' })
  error_type!: KiteErrorType;
  @ApiProperty({ type: 'null' }) data!: null;
}

/** A Kite error answer: status, when, and the body's example. */
export const ApiKiteError = (status: number, type: KiteErrorType, description: string, message: string) =>
  ApiResponse({
    status,
    type: KiteErrorDto,
    description,
    example: { status: 'error', message, error_type: type, data: null },
  });

/**
 * A /kite route: Kite's credential (a kite-relay token as the access token), role viewer, and the
 * errors every such route may answer.
 */
export const ApiKiteRoute = () =>
  applyDecorators(
    ApiTags(KITE_TAG),
    ApiExtension(ROLE_EXTENSION, 'viewer'),
    ApiSecurity(KITE_SCHEME),
    ApiKiteError(
      403,
      'TokenException',
      "No credential, or a forged, expired or revoked kite-relay token; or the relay's own Kite session is missing or expired (then the message says that the relay's owner must log in again). A quote or history of instruments that the token's `exchanges` limit excludes answers 403 PermissionException.",
      'Incorrect `api_key` or `access_token`: send `Authorization: token <api_key>:<kite-relay token>` with a valid, unrevoked kite-relay token',
    ),
    ApiKiteError(
      429,
      'NetworkException',
      'More than API_RATE_LIMIT_PER_MINUTE requests a minute from this user or address (Retry-After), or this user has too much waiting for Kite.',
      'at most 600 requests a minute per user (API_RATE_LIMIT_PER_MINUTE); retry after 12 s',
    ),
  );
