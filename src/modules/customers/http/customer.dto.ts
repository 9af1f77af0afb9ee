import { ApiProperty } from '@nestjs/swagger';
import { FieldRuleOf } from '../../../shared/http/field-rule.decorator.js';
import { SearchPageQueryDto } from '../../../shared/http/pagination.dto.js';
import {
  type ConfirmResultDto,
  exampleCells,
  type RevertResultDto,
  type ValidateResultDto,
} from '../../../import/http/import.dto.js';
import {
  type Customer,
  CUSTOMER_IMPORT_COLUMNS,
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

export class ListCustomersQueryDto extends SearchPageQueryDto(
  'Matches company name, VAT, e-mail, city or contact',
) {}

// ——— Swagger examples: true to what the server answers (checked by the OpenAPI e2e spec) ———

/** A create/replace body that succeeds as it stands. */
export const CUSTOMER_BODY_EXAMPLE = {
  company_name: 'Acme S.p.A.',
  vat_number: 'IT01234567890',
  address: 'Via Roma 1',
  city: 'Milano',
  main_contact: 'Maria Rossi',
  email: 'info@acme.example',
  phone: '+39 02 1234 5678',
  language: 'it',
} satisfies CustomerFieldsDto;

const IMPORT_ID = '3312b187-a8b0-45f5-b23a-98798b64eb31';
const row = (cells: Partial<Record<string, string>>) =>
  exampleCells(CUSTOMER_IMPORT_COLUMNS, cells);
const DUPLICATE_ROW = row({
  company_name: 'Acme Duplicate',
  vat_number: 'it01234567890',
  email: 'not-an-email',
});

/** Validate of a three-row file: customers never produce warning or ambiguous rows. */
export const CUSTOMERS_VALIDATE_EXAMPLE = {
  import_id: IMPORT_ID,
  expires_at: '2026-01-26T05:43:11.827Z',
  total_rows: 3,
  valid_rows: 2,
  warning_rows: 0,
  error_rows: 1,
  ambiguous_rows: 0,
  rows: [
    { row_number: 2, status: 'valid', data: row({ ...CUSTOMER_BODY_EXAMPLE }) },
    {
      row_number: 3,
      status: 'valid',
      data: row({
        company_name: 'Beta S.r.l.',
        description: 'Wholesale',
        vat_number: 'IT09876543210',
        city: 'Torino',
        email: 'beta@example.com',
        language: 'en',
      }),
    },
    {
      row_number: 4,
      status: 'error',
      data: DUPLICATE_ROW,
      errors: [
        { field: 'email', message: 'invalid_email', values: ['not-an-email'] },
        { field: 'vat_number', message: 'duplicate_in_csv', values: ['it01234567890', '2'] },
      ],
    },
  ],
} satisfies ValidateResultDto;

/** The confirm of that file: valid rows created, the error row skipped. */
export const CUSTOMERS_CONFIRM_EXAMPLE = {
  created: 2,
  updated: 0,
  skipped: 1,
  failed: 0,
  results: [
    { row_number: 2, status: 'created', id: '01a236ca-7626-7000-8000-012f06386392' },
    { row_number: 3, status: 'created', id: '01a236ca-7626-7000-8000-0573524ac0e5' },
    { row_number: 4, status: 'skipped', reason: 'error' },
  ],
} satisfies ConfirmResultDto;

/**
 * Its undo, after a client was attached to Acme (row 2): Acme is kept, since a client belongs to
 * it; Beta (row 3) is deleted.
 */
export const CUSTOMERS_REVERT_EXAMPLE = {
  deleted: 1,
  restored: 0,
  kept: 1,
  results: [
    {
      row_number: 2,
      status: 'kept',
      id: '01a236ca-7626-7000-8000-012f06386392',
      reason: 'referenced',
    },
    { row_number: 3, status: 'deleted', id: '01a236ca-7626-7000-8000-0573524ac0e5' },
  ],
} satisfies RevertResultDto;

/** Its errors.csv (the file starts with a UTF-8 BOM; lines end with LF). */
export const CUSTOMERS_ERRORS_CSV_EXAMPLE =
  `${Object.keys(DUPLICATE_ROW).join(',')},row_number,status,reason,errors\n` +
  `${Object.values(DUPLICATE_ROW).join(',')},4,skipped,error,` +
  `"email: invalid_email (not-an-email); vat_number: duplicate_in_csv (it01234567890, 2)"\n`;
