/** The shapes of the auth and admin routes, for the API description; `implements` keeps them in step. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from './auth.constants.js';
import type { TokenView } from '../contracts/tokens.contract.js';
import type { AuthState, AuthStatus } from './kite-session.js';
import type { TokenKind } from './token-registry.js';
import { EXCHANGES } from './token-limits.js';
import { SCOPES, type Scope } from './token-scopes.js';

const AUTH_STATES: AuthState[] = ['UNAUTHENTICATED', 'AUTHENTICATED', 'EXPIRED'];
const TOKEN_KINDS: TokenKind[] = ['api', 'login', 'cli', 'invite'];
const IST = 'ISO-8601 in IST (+05:30).';

export class AuthStatusDto implements AuthStatus {
  @ApiProperty({ enum: AUTH_STATES, example: 'AUTHENTICATED' })
  state!: AuthState;

  @ApiPropertyOptional({ description: 'Only for an admin token or session cookie.', example: 'AB1234' })
  user_id?: string;

  @ApiPropertyOptional({
    description: 'Only for an admin token or session cookie.',
    example: 'Simulated Trader',
  })
  user_name?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: `Only for an admin token or session cookie. ${IST}`,
    example: '2026-12-01T08:52:10.000+05:30',
  })
  login_time?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: `When Kite expires the session (about 06:00). ${IST}`,
    example: '2026-12-02T06:00:00.000+05:30',
  })
  expires_at?: string;
}

export class AccessTokenBody {
  @ApiProperty({
    pattern: '^[A-Za-z0-9]{8,128}$',
    description: "A Kite access token obtained elsewhere; checked against Kite's profile endpoint.",
  })
  access_token!: string;
}

export class RequestTokenBody {
  @ApiProperty({
    pattern: '^[A-Za-z0-9]{6,128}$',
    description: "The request_token of Kite's login redirect; exchanged here with the API secret.",
  })
  request_token!: string;
}

export class MintTokenBody {
  @ApiProperty({ enum: ROLES, example: 'viewer' })
  role!: Role;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', pattern: '^\\d+[smhd]?$' },
      { type: 'integer', minimum: 1 },
    ],
    default: '12h',
    example: '12h',
    description:
      'Lifetime: seconds, or 30m, 12h, 7d; at most 30d and never past the expiry of the token that asks.',
  })
  ttl?: string | number;

  @ApiPropertyOptional({
    pattern: '^[\\w.@-]{1,64}$',
    description:
      'The subject (user) of the token, for the per-user limits. Absent: a sub of its own (`client-<role>-<8 characters of its id>`). Refused (400): another form, the `invite:` prefix, or a Kite user id allowed to log in.',
    example: 'bot-1',
  })
  sub?: string;

  @ApiPropertyOptional({
    type: [String],
    enum: SCOPES,
    description: '`orders`: the viewer receives order updates (admin tokens always do).',
    example: ['orders'],
  })
  scopes?: Scope[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'At most this many sockets for this token (never more than MAX_CONNECTIONS_PER_USER).',
    example: 2,
  })
  max_connections?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'At most this many distinct instruments (never more than MAX_INSTRUMENTS_PER_USER).',
    example: 50,
  })
  max_instruments?: number;

  @ApiPropertyOptional({
    type: [String],
    enum: EXCHANGES,
    description: 'Only instruments of these exchanges; others are refused with `exchange_not_allowed`.',
    example: ['NSE'],
  })
  exchanges?: string[];
}

export class TokenLimitsDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 2 })
  max_connections?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, example: 50 })
  max_instruments?: number;

  @ApiPropertyOptional({ type: [String], enum: EXCHANGES, example: ['NSE'] })
  exchanges?: string[];
}

export class MintedTokenDto {
  @ApiProperty({
    description: 'The JWT: shown this once, never stored in clear or listed.',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJib3QtMSJ9.c2lnbmF0dXJl',
  })
  token!: string;

  @ApiProperty({
    pattern: '^[A-Za-z0-9_-]{22}$',
    description: 'The id to revoke it by.',
    example: 'q3nqK4VzeI_SowYCYQ-tCf',
  })
  id!: string;

  @ApiProperty({ enum: ROLES })
  role!: Role;

  @ApiProperty({ example: 'bot-1' })
  sub!: string;

  @ApiProperty({ type: [String], enum: SCOPES, example: [] })
  scopes!: Scope[];

  @ApiProperty({ type: TokenLimitsDto, nullable: true, description: 'Null: the per-user defaults.' })
  limits!: TokenLimitsDto | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'The id of the token that minted it.',
    example: 'Zq3nqK4VzeI_SowYCYQ-tC',
  })
  parent!: string | null;

  @ApiProperty({ type: 'integer', description: 'Seconds.', example: 43200 })
  expires_in!: number;

  @ApiProperty({ format: 'date-time', description: IST, example: '2026-12-01T22:15:02.120+05:30' })
  expires_at!: string;
}

export class TokenViewDto implements TokenView {
  @ApiProperty({ pattern: '^[A-Za-z0-9_-]{22}$', example: 'q3nqK4VzeI_SowYCYQ-tCf' })
  id!: string;

  @ApiProperty({ example: 'bot-1' })
  sub!: string;

  @ApiProperty({ enum: ROLES })
  role!: Role;

  @ApiProperty({
    enum: TOKEN_KINDS,
    description: '`api`: POST /api/admin/tokens; `login`: a dashboard session; `cli`: npm run token.',
  })
  kind!: TokenKind;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'The id of the token that minted it (null: a login or `npm run token`); revoking it revokes this one.',
    example: 'Zq3nqK4VzeI_SowYCYQ-tC',
  })
  parent!: string | null;

  @ApiProperty({ type: [String], enum: SCOPES, example: ['orders'] })
  scopes!: Scope[];

  @ApiProperty({ type: TokenLimitsDto, nullable: true, description: 'Null: the per-user defaults.' })
  limits!: TokenLimitsDto | null;

  @ApiProperty({ format: 'date-time', description: IST, example: '2026-12-01T10:15:02.120+05:30' })
  issued_at!: string;

  @ApiProperty({ format: 'date-time', description: IST, example: '2026-12-01T22:15:02.120+05:30' })
  expires_at!: string;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: `The last request or connection made with it. ${IST}`,
    example: '2026-12-01T10:20:41.502+05:30',
  })
  last_seen!: string | null;
}

export class TokenListDto {
  @ApiProperty({ type: [TokenViewDto] })
  tokens!: TokenViewDto[];
}

export class MeDto {
  @ApiProperty({ example: 'invite:priya.b9GIQb' })
  sub!: string;

  @ApiProperty({ enum: ROLES, example: 'viewer' })
  role!: Role;

  @ApiProperty({ format: 'date-time', description: IST })
  expires_at!: string;
}
