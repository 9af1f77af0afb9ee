import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';

export class ImportParamsDto {
  @ApiPropertyOptional({
    default: false,
    example: false,
    description: 'Update existing clients (matched by e-mail)',
  })
  @IsOptional()
  @IsBoolean()
  should_override?: boolean;

  @ApiProperty({
    enum: ['single', 'multi'],
    example: 'single',
    description: 'single: individual contacts; multi: several clients under one contact',
  })
  @IsIn(['single', 'multi'])
  upload_type: 'single' | 'multi';

  @ApiPropertyOptional({ default: true, example: true })
  @IsOptional()
  @IsBoolean()
  send_notifications_when_done?: boolean;
}

export class AppImportDto {
  @ApiProperty({ type: ImportParamsDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ImportParamsDto)
  import_params: ImportParamsDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { first_name: 'First Name', email: 'E-mail', phone: 'Mobile' },
    description:
      "Client field → the label under which the app's records carry it; must map email or phone",
  })
  @IsDefined()
  // The raw object: keys such as "__proto__" must reach the check and be refused.
  @Transform(({ obj }) => (obj as Record<string, unknown>).fields_mapping)
  @IsObject()
  fields_mapping: Record<string, unknown>;
}

export class AppImportStartedDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Follow it with GET /business/clients/v1/imports/{session_id}',
  })
  session_id: string;
  @ApiProperty({ enum: ['collecting'], example: 'collecting' }) status: string;
  @ApiProperty({ example: 'testimportapp1700000000' }) app_code_name: string;
  @ApiProperty({ type: ImportParamsDto }) import_params: Required<ImportParamsDto>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) fields_mapping: Record<
    string,
    string
  >;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

/** The seed's request (000_…), which succeeds once the app exists and is assigned. */
export const APP_IMPORT_BODY_EXAMPLE = {
  import_params: {
    should_override: false,
    upload_type: 'single',
    send_notifications_when_done: true,
  },
  fields_mapping: { first_name: 'First Name', email: 'E-mail', phone: 'Mobile' },
} satisfies AppImportDto;
