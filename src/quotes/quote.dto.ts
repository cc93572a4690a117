/** The shape of GET /api/quotes, for the API description; `implements` keeps it in step with Tick. */
import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { MODES, type TickMode } from '../kite/kite.constants.js';
import type { DepthEntry, Ohlc, Tick } from '../kite/tick.js';
import type { Quote } from './quotes.service.js';

const IST_OR_NULL = { type: 'string', format: 'date-time', nullable: true } as const;

export class DepthEntryDto implements DepthEntry {
  @ApiProperty() price!: number;
  @ApiProperty({ type: 'integer' }) quantity!: number;
  @ApiProperty({ type: 'integer' }) orders!: number;
}

export class OhlcDto implements Ohlc {
  @ApiProperty() open!: number;
  @ApiProperty() high!: number;
  @ApiProperty() low!: number;
  @ApiProperty() close!: number;
}

export class DepthDto {
  @ApiProperty({ type: [DepthEntryDto], description: 'Five levels, best first.' })
  buy!: DepthEntryDto[];

  @ApiProperty({ type: [DepthEntryDto], description: 'Five levels, best first.' })
  sell!: DepthEntryDto[];
}

/** A tick as Kite's quote API names its fields, with the time the gateway had it (`as_of`). */
export class QuoteDto implements Quote {
  @ApiProperty({ type: 'integer', example: 408065 }) instrument_token!: number;
  @ApiPropertyOptional({ example: 'NSE:INFY' }) symbol?: string;
  @ApiProperty({ enum: MODES, description: 'A read-through quote is `full`.' }) mode!: TickMode;
  @ApiProperty({ description: 'False for indices.' }) tradable!: boolean;
  @ApiProperty({ example: 1501.25 }) last_price!: number;
  @ApiPropertyOptional({ type: 'integer' }) last_quantity?: number;
  @ApiPropertyOptional() average_price?: number;
  @ApiPropertyOptional({ type: 'integer' }) volume?: number;
  @ApiPropertyOptional({ type: 'integer' }) buy_quantity?: number;
  @ApiPropertyOptional({ type: 'integer' }) sell_quantity?: number;
  @ApiPropertyOptional({ type: OhlcDto }) ohlc?: OhlcDto;
  @ApiPropertyOptional({ description: '`last_price − close`; absent in ltp mode.' }) change?: number;
  @ApiPropertyOptional() change_percent?: number;
  @ApiPropertyOptional({ ...IST_OR_NULL, description: "The exchange's last trade time (IST)." })
  last_trade_time?: string | null;
  @ApiPropertyOptional({ ...IST_OR_NULL, description: "The exchange's timestamp of the quote (IST)." })
  timestamp?: string | null;
  @ApiPropertyOptional() oi?: number;
  @ApiPropertyOptional() oi_day_high?: number;
  @ApiPropertyOptional() oi_day_low?: number;
  @ApiPropertyOptional({ type: DepthDto }) depth?: Tick['depth'];

  @ApiProperty({
    format: 'date-time',
    description: 'When the gateway received this value (IST); never older than CACHE_TTL_MS.',
    example: '2026-12-01T10:15:02.120+05:30',
  })
  as_of!: string;
}

/** The controller registers QuoteDto (ApiExtraModels): it is reached only through additionalProperties. */
export class QuotesResponseDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(QuoteDto) },
    description: 'One quote per instrument asked for that has one, keyed by the input as given.',
    example: {
      'NSE:INFY': {
        instrument_token: 408065,
        symbol: 'NSE:INFY',
        mode: 'full',
        tradable: true,
        last_price: 1501.25,
        as_of: '2026-12-01T10:15:02.120+05:30',
      },
    },
  })
  data!: Record<string, Quote>;

  @ApiProperty({
    type: [String],
    description: 'Inputs that are unknown or that Kite returned no quote for.',
    example: [],
  })
  missing!: string[];

  @ApiProperty({
    type: [String],
    description: 'Inputs of an exchange this token may not read (its `exchanges` limit); never fetched.',
    example: [],
  })
  refused!: string[];
}
