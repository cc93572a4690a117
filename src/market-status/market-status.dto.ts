/** The market-status object (SPEC section 5), for the API description; `implements` keeps it in step. */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { MarketStatus, MarketStatusValue } from './market-status.js';

const STATUSES: MarketStatusValue[] = ['PRE_OPEN', 'LIVE', 'POST_CLOSE', 'CLOSED'];
const IST = 'ISO-8601 in IST (+05:30).';

export class MarketStatusDto implements MarketStatus {
  @ApiProperty({ example: 'NSE' })
  exchange!: string;

  @ApiProperty({ enum: STATUSES, example: 'LIVE' })
  status!: MarketStatusValue;

  @ApiPropertyOptional({ description: 'Why the market is closed all day.', example: 'weekend' })
  reason?: string;

  @ApiProperty({ format: 'date-time', description: IST, example: '2026-12-01T09:15:00.000+05:30' })
  since!: string;

  @ApiProperty({ enum: STATUSES, example: 'POST_CLOSE' })
  next_status!: MarketStatusValue;

  @ApiProperty({ format: 'date-time', description: IST, example: '2026-12-01T15:30:00.000+05:30' })
  next_change_at!: string;

  @ApiProperty({ format: 'date-time', description: IST, example: '2026-12-01T10:15:02.120+05:30' })
  server_time!: string;
}
