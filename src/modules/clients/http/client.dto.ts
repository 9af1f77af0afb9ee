import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { detail, InvalidError } from '../../../shared/domain-error.js';
import { FieldRuleOf } from '../../../shared/http/field-rule.decorator.js';
import { PaginationQueryDto } from '../../../shared/http/pagination.dto.js';
import type { Client, ClientFields } from '../domain/client.js';
import {
  CLIENT_RULES,
  EMAIL_OR_PHONE_REQUIRED,
  needsEmailOrPhone,
  ORGANIZATION_ID_RULE,
} from '../domain/client.rules.js';

/**
 * A client's fields as the REST API takes them; the checks come from the entity's rules
 * (domain/client.rules.ts), which every import applies too.
 */
export class ClientFieldsDto {
  @FieldRuleOf(CLIENT_RULES.first_name, { example: 'Giulia' })
  first_name: string;

  @FieldRuleOf(CLIENT_RULES.last_name, { example: 'Rossi' })
  last_name?: string;

  @FieldRuleOf(CLIENT_RULES.email, {
    example: 'giulia.rossi@example.com',
    description: 'Unique per business, case-insensitive',
  })
  email?: string;

  @FieldRuleOf(CLIENT_RULES.phone, {
    example: '+39 347 123 4567',
    description:
      'Stored in E.164; a number without a country code is read with DEFAULT_PHONE_REGION',
  })
  phone?: string;

  @FieldRuleOf(CLIENT_RULES.address)
  address?: string;

  @FieldRuleOf(CLIENT_RULES.notes)
  notes?: string;

  @FieldRuleOf(ORGANIZATION_ID_RULE, {
    description: "One of the business's customers",
    nullable: true,
  })
  organization_id?: string | null;

  /** Also enforces "email or phone" (400 on key email). */
  static toFields(dto: ClientFieldsDto): ClientFields {
    if (needsEmailOrPhone(dto.email, dto.phone)) {
      throw new InvalidError(
        [detail('email', EMAIL_OR_PHONE_REQUIRED, '')],
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
