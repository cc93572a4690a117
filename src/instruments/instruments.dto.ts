/** The shape of GET /api/instruments, for the API description; `implements` keeps it in step. */
import { ApiProperty } from '@nestjs/swagger';
import type { SearchHit } from './instrument-index.js';

export class SearchHitDto implements SearchHit {
  @ApiProperty({
    example: 'NSE:INFY',
    description: '`EXCHANGE:TRADINGSYMBOL`, what subscribe and quotes take.',
  })
  symbol!: string;

  @ApiProperty({ type: 'integer', example: 408065 })
  instrument_token!: number;

  @ApiProperty({ example: 'NSE' })
  exchange!: string;

  @ApiProperty({ example: 'INFY' })
  tradingsymbol!: string;

  @ApiProperty({ example: 'INFOSYS' })
  name!: string;

  @ApiProperty({ example: 0.05 })
  tick_size!: number;

  @ApiProperty({ example: 'EQ' })
  instrument_type!: string;

  @ApiProperty({ example: 'NSE' })
  segment!: string;
}

export class SearchResultDto {
  @ApiProperty({
    type: [SearchHitDto],
    description: 'Exact, then prefix, then substring matches; at most 20.',
  })
  data!: SearchHitDto[];
}
