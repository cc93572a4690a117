import { ApiProperty } from '@nestjs/swagger';

/** Every error the gateway writes itself (Nest's HttpException body): `{statusCode, error, message}`. */
export class ErrorBody {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;

  @ApiProperty({ description: "The status code's reason phrase.", example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    description: 'What was wrong and how to fix it; never a secret.',
    example: 'q must be 1 to 64 characters',
  })
  message!: string;
}

/**
 * The 429 of the login and admin routes, written by @nestjs/throttler's own guard: it carries no
 * `error` field (unlike every other error of the gateway).
 */
export class ThrottledBody {
  @ApiProperty({ type: 'integer', enum: [429], example: 429 })
  statusCode!: number;

  @ApiProperty({ example: 'ThrottlerException: Too Many Requests' })
  message!: string;
}
