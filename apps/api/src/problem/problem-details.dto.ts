import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'pii.email', description: 'Dotted path into the body or query' })
  field!: string;

  @ApiProperty({ type: String, isArray: true, example: ['email must be an email'] })
  messages!: string[];
}

/** RFC 9457 problem details: the body of every error response (`application/problem+json`). */
export class ProblemDetailsDto {
  @ApiProperty({
    format: 'uri',
    example: 'https://aftercare.dev/problems/validation-error',
    description: 'Identifies the kind of problem',
  })
  type!: string;

  @ApiProperty({ example: 'The request is invalid' })
  title!: string;

  @ApiProperty({ minimum: 400, maximum: 599, example: 400 })
  status!: number;

  @ApiProperty({ example: 'The request has invalid fields' })
  detail!: string;

  @ApiProperty({
    example: 'validation_error',
    description: 'Stable machine-readable code (a domain code, validation_error, not_found, ...)',
  })
  code!: string;

  @ApiPropertyOptional({
    type: FieldErrorDto,
    isArray: true,
    description: 'One entry per invalid field (400 validation_error only)',
  })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Facts behind a domain refusal, e.g. the return window that closed',
  })
  details?: Record<string, unknown>;
}
