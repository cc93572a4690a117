import { applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import type { Role } from '../../contracts/tokens.contract.js';
import { ErrorBody } from './error-body.js';

/** Names of the two security schemes of the document (see api-document.ts). */
export const BEARER_SCHEME = 'bearer';
export const COOKIE_SCHEME = 'cookie';
/** The operation extension that names the role a route needs: `viewer`, `admin` or `public`. */
export const ROLE_EXTENSION = 'x-role';

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before the next request can be admitted.',
    schema: { type: 'integer', minimum: 1 },
  },
};

const FORBIDDEN: Record<Role, string> = {
  admin:
    'The token holds the viewer role, not admin; or a cookie-authenticated change came from an origin outside PUBLIC_URL and CORS_ORIGINS.',
  viewer:
    'A cookie-authenticated change came from an origin outside PUBLIC_URL and CORS_ORIGINS (every valid token grants viewer).',
};

/**
 * Documents what JwtAuthGuard enforces for `role`: either credential, 401 and 403. Applied by
 * @Roles, so that the role a route is documented with is the one it is guarded with.
 */
export function ApiRole(role: Role): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiExtension(ROLE_EXTENSION, role),
    ApiSecurity(BEARER_SCHEME),
    ApiSecurity(COOKIE_SCHEME),
    ApiError(
      401,
      'No credential, or a forged, expired or revoked one.',
      'a valid token is required (Authorization: Bearer, or log in)',
    ),
    ApiError(403, FORBIDDEN[role], `the ${role} role is required`),
  );
}

/** A route anyone may call, without credentials. */
export const ApiPublic = (): ClassDecorator & MethodDecorator => ApiExtension(ROLE_EXTENSION, 'public');

/** An error answer with the gateway's `{statusCode, error, message}` body; `message` is what the app says. */
export function ApiError(
  status: number,
  description: string,
  message: string,
): ClassDecorator & MethodDecorator {
  const example = { statusCode: status, error: STATUS_CODES[status], message };
  return ApiResponse({ status, type: ErrorBody, description, example });
}

/** The viewer routes' shared budget (ApiThrottlerGuard); `also` names a route's own reason for a 429. */
export const ApiViewerRateLimit = (also = ''): ClassDecorator & MethodDecorator =>
  ApiResponse({
    status: 429,
    type: ErrorBody,
    headers: RETRY_AFTER,
    description: `More than API_RATE_LIMIT_PER_MINUTE requests in the last minute from this user (JWT sub) or this address, counted over every viewer route together.${also}`,
    example: {
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'at most 600 requests a minute per user (API_RATE_LIMIT_PER_MINUTE); retry after 12 s',
    },
  });

/** The login and admin routes' per-address limit (AddressThrottlerGuard). */
export const ApiAddressRateLimit = (): ClassDecorator & MethodDecorator =>
  ApiResponse({
    status: 429,
    type: ErrorBody,
    headers: RETRY_AFTER,
    description: 'More than 30 requests in a minute from this address on the login and admin routes.',
    example: {
      statusCode: 429,
      error: 'Too Many Requests',
      message:
        'at most 30 requests a minute from one address on the login and admin routes; retry after 41 s',
    },
  });
