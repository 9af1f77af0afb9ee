import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';

export class ImportParamsDto {
  @ApiPropertyOptional({
    default: false,
    description: 'Update existing clients (matched by e-mail)',
  })
  @IsOptional()
  @IsBoolean()
  should_override?: boolean;

  @ApiProperty({
    enum: ['single', 'multi'],
    description: 'single: individual contacts; multi: several clients under one contact',
  })
  @IsIn(['single', 'multi'])
  upload_type: 'single' | 'multi';

  @ApiPropertyOptional({ default: true })
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
  @ApiProperty({ format: 'uuid' }) session_id: string;
  @ApiProperty({ example: 'collecting' }) status: string;
  @ApiProperty({ example: 'testimportapp1700000000' }) app_code_name: string;
  @ApiProperty({ type: ImportParamsDto }) import_params: Required<ImportParamsDto>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) fields_mapping: Record<
    string,
    string
  >;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}
