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
