import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { detail, InvalidError } from '../../../shared/domain-error.js';
import { PaginationQueryDto } from '../../../shared/http/pagination.dto.js';
import type { Client, ClientFields } from '../domain/client.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The rules a client's own fields follow, in the REST API and in every import. */
export class ClientBaseFieldsDto {
  @ApiProperty({ maxLength: 100, example: 'Giulia' })
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @Matches(/\S/, { message: 'required' })
  first_name: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'Rossi' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  last_name?: string;

  @ApiPropertyOptional({
    example: 'giulia.rossi@example.com',
    description: 'Unique per business, case-insensitive',
  })
  @IsOptional()
  @Transform(trim)
  @IsEmail({}, { message: 'invalid_email' })
  @MaxLength(320)
  email?: string;

  @ApiPropertyOptional({
    example: '+39 347 123 4567',
    description:
      'Stored in E.164; a number without a country code is read with DEFAULT_PHONE_REGION',
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(32, { message: 'invalid_phone' })
  phone?: string;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  address?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  notes?: string;
}

export class ClientFieldsDto extends ClientBaseFieldsDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: "One of the business's customers",
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsUUID('all', { message: 'invalid_uuid' })
  organization_id?: string | null;

  /** Also enforces "email or phone" (400 on key email). */
  static toFields(dto: ClientFieldsDto): ClientFields {
    if (!dto.email && !dto.phone) {
      throw new InvalidError(
        [detail('email', 'email_or_phone_required', '')],
        'a client needs an email or a phone',
      );
    }
    return {
      first_name: dto.first_name,
      last_name: dto.last_name || null,
      email: dto.email || null,
      phone: dto.phone || null,
      address: dto.address || null,
      notes: dto.notes || null,
      organization_id: dto.organization_id ?? null,
    };
  }
}

/** One row of a clients CSV: the client's fields, and its organisation by name. */
export class ClientImportRowDto extends ClientBaseFieldsDto {
  @IsOptional()
  @IsString()
  @MaxLength(255)
  company_name?: string;
}

export class ClientDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Giulia' }) first_name: string;
  @ApiProperty({ nullable: true, type: String }) last_name: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ nullable: true, type: String, example: '+393471234567' }) phone: string | null;
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) organization_id: string | null;
  @ApiProperty({ example: 'csv_import', description: 'api, csv_import or app:<app_code_name>' })
  source: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;

  static from(c: Client): ClientDto {
    return {
      id: c.id,
      first_name: c.first_name,
      last_name: c.last_name,
      email: c.email,
      phone: c.phone,
      address: c.address,
      notes: c.notes,
      organization_id: c.organization_id,
      source: c.source,
      created_at: c.createdAt.toISOString(),
      updated_at: c.updatedAt.toISOString(),
    };
  }
}

export class ListClientsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Matches name, e-mail or phone' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  search?: string;
}
