import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorItemDto {
  @ApiProperty({ example: 'email', description: 'Dotted path of the offending input' })
  key: string;
  @ApiProperty({ example: 'invalid_email', description: 'Stable snake_case code' })
  message: string;
  @ApiProperty({ example: 'not-an-email', description: 'The offending value, as a string' })
  value: string;
}

export class ErrorDataDto {
  @ApiPropertyOptional({
    enum: [
      'validation_error',
      'external_api_error',
      'conflict',
      'payload_too_large',
      'unsupported_media_type',
      'precondition_failed',
    ],
  })
  type?: string;
  @ApiPropertyOptional({ type: [ErrorItemDto] })
  errors?: ErrorItemDto[];
  @ApiPropertyOptional({ description: 'Additional error details' })
  details?: unknown;
}

export class ErrorEnvelopeDto {
  @ApiProperty({ example: 400 })
  code: number;
  @ApiProperty({ example: 'validation failed' })
  message: string;
  @ApiProperty({ type: ErrorDataDto })
  data: ErrorDataDto;
}

export class PageMetaDto {
  @ApiProperty({ example: 1 })
  page: number;
  @ApiProperty({ example: 20 })
  page_size: number;
  @ApiProperty({ example: 42 })
  total: number;
}
