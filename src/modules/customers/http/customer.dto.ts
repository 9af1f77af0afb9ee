import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { FieldRuleOf } from '../../../shared/http/field-rule.decorator.js';
import { PaginationQueryDto } from '../../../shared/http/pagination.dto.js';
import {
  type Customer,
  type CustomerFields,
  LANGUAGES,
  type Language,
} from '../domain/customer.js';
import { CUSTOMER_RULES, customerFieldsOf } from '../domain/customer.rules.js';

/**
 * A customer's fields as the REST API takes them; the checks come from the entity's rules
 * (domain/customer.rules.ts), which the CSV import applies too.
 */
export class CustomerFieldsDto {
  @FieldRuleOf(CUSTOMER_RULES.company_name, { example: 'Acme S.p.A.' })
  company_name: string;

  @FieldRuleOf(CUSTOMER_RULES.vat_number, { example: 'IT01234567890' })
  vat_number: string;

  @FieldRuleOf(CUSTOMER_RULES.description)
  description?: string;

  @FieldRuleOf(CUSTOMER_RULES.address, { example: 'Via Roma 1' })
  address?: string;

  @FieldRuleOf(CUSTOMER_RULES.city, { example: 'Milano' })
  city?: string;

  @FieldRuleOf(CUSTOMER_RULES.main_contact, { example: 'Maria Rossi' })
  main_contact?: string;

  @FieldRuleOf(CUSTOMER_RULES.email, { example: 'info@acme.example' })
  email?: string;

  @FieldRuleOf(CUSTOMER_RULES.phone, { example: '+39 02 1234 5678' })
  phone?: string;

  @FieldRuleOf(CUSTOMER_RULES.language, { default: 'en' })
  language?: Language;

  @FieldRuleOf(CUSTOMER_RULES.notes)
  notes?: string;

  static toFields(dto: CustomerFieldsDto): CustomerFields {
    return customerFieldsOf(dto);
  }
}

export class CustomerDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Acme S.p.A.' }) company_name: string;
  @ApiProperty({ example: 'IT01234567890' }) vat_number: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ nullable: true, type: String }) address: string | null;
  @ApiProperty({ nullable: true, type: String }) city: string | null;
  @ApiProperty({ nullable: true, type: String }) main_contact: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ nullable: true, type: String }) phone: string | null;
  @ApiProperty({ enum: LANGUAGES }) language: string;
  @ApiProperty({ nullable: true, type: String }) notes: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;

  static from(c: Customer): CustomerDto {
    return {
      id: c.id,
      company_name: c.company_name,
      vat_number: c.vat_number,
      description: c.description,
      address: c.address,
      city: c.city,
      main_contact: c.main_contact,
      email: c.email,
      phone: c.phone,
      language: c.language,
      notes: c.notes,
      created_at: c.createdAt.toISOString(),
      updated_at: c.updatedAt.toISOString(),
    };
  }
}

export class ListCustomersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Matches company name, VAT, e-mail, city or contact' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  search?: string;
}
