/** The shapes of the invite and limits routes, for the API description; `implements` keeps them in step. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { InviteView, LimitsView } from '../contracts/desk.contract.js';

const IST = 'ISO-8601 in IST (+05:30).';

export class CreateInviteBody {
  @ApiProperty({ minLength: 1, maxLength: 64, example: 'Priya', description: 'Who the invite is for.' })
  name!: string;

  @ApiPropertyOptional({
    example: '8h',
    description:
      "`30m`, `12h`, `7d` or seconds, 1 s to 30 d and never past the caller's own token; default 12h, or what the caller's token has left.",
  })
  ttl?: string;

  @ApiPropertyOptional({
    maxLength: 64,
    example: 'Ravi',
    description: 'Whom the invitee is told to ask for a new link.',
  })
  from?: string;
}

export class InviteCreatedDto {
  @ApiProperty({ example: 'b9GIQbqC0DsT3bLh7Q2yZg' })
  id!: string;

  @ApiProperty({
    example: 'https://relay.example/invite#code=b9GIQbqC0DsT3bLh7Q2yZg.…',
    description: 'The link, shown only here: its fragment holds the one-time code.',
  })
  url!: string;

  @ApiProperty({ format: 'date-time', description: IST, example: '2026-12-01T20:00:00.000+05:30' })
  expires_at!: string;
}

export class InviteTokenDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ format: 'date-time', description: IST })
  expires_at!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: IST })
  last_seen!: string | null;
}

export class InviteViewDto implements InviteView {
  @ApiProperty()
  id!: string;

  @ApiProperty({ example: 'Priya' })
  name!: string;

  @ApiProperty({
    example: 'invite:priya.b9GIQb',
    description: 'The token subject: the per-user limits count it as its own user.',
  })
  sub!: string;

  @ApiProperty({ enum: ['unused', 'used', 'revoked'] })
  state!: 'unused' | 'used' | 'revoked';

  @ApiProperty()
  created_by!: string;

  @ApiProperty({ type: String, nullable: true })
  ask!: string | null;

  @ApiProperty({ format: 'date-time', description: IST })
  created_at!: string;

  @ApiProperty({ format: 'date-time', description: IST })
  expires_at!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: IST })
  used_at!: string | null;

  @ApiProperty({
    type: InviteTokenDto,
    nullable: true,
    description: 'The token the code was exchanged for, while it is live.',
  })
  token!: InviteTokenDto | null;
}

export class InviteListDto {
  @ApiProperty({ type: [InviteViewDto] })
  invites!: InviteViewDto[];
}

export class RedeemInviteBody {
  @ApiProperty({ description: "The one-time code from the link's fragment (`id.secret`)." })
  code!: string;
}

export class RedeemedDto {
  @ApiProperty({ example: 'invite:priya.b9GIQb' })
  sub!: string;

  @ApiProperty({ enum: ['viewer'] })
  role!: 'viewer';

  @ApiProperty({ format: 'date-time', description: IST })
  expires_at!: string;
}

export class InviteGoneBody {
  @ApiProperty({ example: 410 })
  statusCode!: number;

  @ApiProperty({ example: 'Gone' })
  error!: string;

  @ApiProperty({ example: 'This invite link has already been used. Ask Ravi for a new link.' })
  message!: string;

  @ApiProperty({ enum: ['used', 'expired', 'revoked', 'unknown'] })
  reason!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Ravi' })
  ask!: string | null;
}

class LimitValuesDto {
  @ApiProperty({ example: 20 }) max_connections_per_user!: number;
  @ApiProperty({ example: 1000 }) max_instruments_per_user!: number;
  @ApiProperty({ example: 500 }) max_subscriptions_per_client!: number;
  @ApiProperty({ example: 1000 }) max_queued_quotes_per_user!: number;
  @ApiProperty({ example: 600 }) api_rate_limit_per_minute!: number;
  @ApiProperty({ example: 20 }) max_unauthenticated_per_address!: number;
}

class CacheViewDto {
  @ApiProperty({ enum: ['redis', 'memory', 'memory fallback'] })
  mode!: 'redis' | 'memory' | 'memory fallback';

  @ApiProperty({ example: 5000 })
  ttl_ms!: number;
}

export class LimitsDto implements LimitsView {
  @ApiProperty({ type: LimitValuesDto })
  limits!: LimitValuesDto;

  @ApiProperty({ type: CacheViewDto })
  cache!: CacheViewDto;
}
