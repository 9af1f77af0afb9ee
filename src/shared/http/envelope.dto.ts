import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every `data.type` an error envelope carries (SPEC §1.1, §8); the filter and the document share it. */
export const ERROR_TYPES = [
  'validation_error',
  'external_api_error',
  'conflict',
  'payload_too_large',
  'precondition_failed',
  'rate_limited',
  'unavailable',
  'unsupported_media_type',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

export class ErrorItemDto {
  @ApiProperty({ example: 'email', description: 'Dotted path of the offending input' })
  key: string;
  @ApiProperty({ example: 'invalid_email', description: 'Stable snake_case code' })
  message: string;
  @ApiProperty({ example: 'not-an-email', description: 'The offending value, as a string' })
  value: string;
}

export class ErrorDataDto {
  @ApiProperty({ enum: ERROR_TYPES, enumName: 'ErrorType' })
  type: ErrorType;
  @ApiProperty({ type: [ErrorItemDto] })
  errors: ErrorItemDto[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Additional error details',
  })
  details?: Record<string, unknown>;
}

/** 400, 409, 413, 422, 429: `data` says what kind of error and lists every offending input. */
export class ErrorEnvelopeDto {
  @ApiProperty({ type: 'integer', example: 400 })
  code: number;
  @ApiProperty({ example: 'validation failed' })
  message: string;
  @ApiProperty({ type: ErrorDataDto })
  data: ErrorDataDto;
}

/** 401, 403, 404, 500, 503: `message` says it all and `data` is `{}`. */
export class BareErrorEnvelopeDto {
  @ApiProperty({ type: 'integer', example: 401 })
  code: number;
  @ApiProperty({ example: 'invalid token' })
  message: string;
  @ApiProperty({
    type: 'object',
    properties: {},
    additionalProperties: false,
    example: {},
    description: 'Always `{}`',
  })
  data: Record<string, never>;
}

export class PageMetaDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
  page: number;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100, example: 20 })
  page_size: number;
  @ApiProperty({ type: 'integer', minimum: 0, example: 42 })
  total: number;
}
