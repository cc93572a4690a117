/** The shape of GET /api/candles, for the API description; `implements` keeps it in step. */
import { ApiProperty } from '@nestjs/swagger';
import { INTERVALS, type Interval } from './candle.js';
import type { CandleRow, CandlesResponse } from '../contracts/candles.contract.js';

export class CandlesResponseDto implements CandlesResponse {
  @ApiProperty({ type: 'integer', example: 408065 })
  instrument_token!: number;

  @ApiProperty({ type: 'string', nullable: true, example: 'NSE:INFY' })
  symbol!: string | null;

  @ApiProperty({ enum: Object.keys(INTERVALS), example: '5m' })
  interval!: Interval;

  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'number' }, minItems: 6, maxItems: 6 },
    description:
      "`[time, open, high, low, close, volume]` per candle, oldest first; time is the candle's start in epoch seconds.",
    example: [[1764561600, 1500, 1502.5, 1499.1, 1501.25, 12840]],
  })
  candles!: CandleRow[];

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description:
      "From this instant (IST) on the candles are complete; earlier ones of the session may lack ticks Kite's history had no room for. Null without candles.",
    example: '2026-12-01T09:15:00+05:30',
  })
  complete_from!: string | null;
}
