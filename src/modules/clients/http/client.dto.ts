import { ApiProperty } from '@nestjs/swagger';
import { detail, InvalidError } from '../../../shared/domain-error.js';
import { FieldRuleOf } from '../../../shared/http/field-rule.decorator.js';
import { SearchPageQueryDto } from '../../../shared/http/pagination.dto.js';
import {
  type ConfirmResultDto,
  exampleCells,
  type RevertResultDto,
  type ValidateResultDto,
} from '../../../import/http/import.dto.js';
import { CLIENT_IMPORT_COLUMNS, type Client, type ClientFields } from '../domain/client.js';
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

export class ListClientsQueryDto extends SearchPageQueryDto('Matches name, e-mail or phone') {}

// ——— Swagger examples: true to what the server answers (checked by the OpenAPI e2e spec) ———

/** A create/replace body that succeeds as it stands (no organization_id: it must be a real customer). */
export const CLIENT_BODY_EXAMPLE = {
  first_name: 'Giulia',
  last_name: 'Rossi',
  email: 'giulia.rossi@example.com',
  phone: '+39 347 123 4567',
} satisfies ClientFieldsDto;

const IMPORT_ID = '91671581-9564-49af-b267-92229f332d60';
const EXISTING_ID = 'd26fbee4-6842-464b-b486-584ce3df20d3';
const row = (cells: Partial<Record<string, string>>) => exampleCells(CLIENT_IMPORT_COLUMNS, cells);
const ERROR_ROW = row({ first_name: 'Anna', email: 'not-an-email' });

/** Validate of a four-row file: one row of each status. */
export const CLIENTS_VALIDATE_EXAMPLE = {
  import_id: IMPORT_ID,
  expires_at: '2026-01-26T05:43:11.827Z',
  total_rows: 4,
  valid_rows: 1,
  warning_rows: 1,
  error_rows: 1,
  ambiguous_rows: 1,
  rows: [
    {
      row_number: 2,
      status: 'valid',
      data: row({ ...CLIENT_BODY_EXAMPLE, company_name: 'Acme S.p.A.' }),
    },
    {
      row_number: 3,
      status: 'warning',
      data: row({
        first_name: 'Marco',
        last_name: 'Bianchi',
        email: 'marco.bianchi@example.com',
        phone: '+39 02 2222 222',
      }),
      warnings: [
        { field: 'email', message: 'already_exists', values: ['marco.bianchi@example.com'] },
      ],
      existing_id: EXISTING_ID,
      diff: { phone: { from: '+39021111111', to: '+39022222222' } },
    },
    {
      row_number: 4,
      status: 'ambiguous',
      data: row({
        first_name: 'Luca',
        last_name: 'Verdi',
        email: 'luca.verdi@example.com',
        company_name: 'Gamma',
      }),
      errors: [
        {
          field: 'company_name',
          message: 'ambiguous',
          values: ['Gamma'],
          candidates: [
            { logto_id: '30463661-9a9e-45f2-bac1-0e7fe111fd75', name: 'Gamma', type: 'customer' },
            { logto_id: '7e01a7d8-1933-44ad-b753-1875befbbdc4', name: 'Gamma', type: 'customer' },
          ],
        },
      ],
    },
    {
      row_number: 5,
      status: 'error',
      data: ERROR_ROW,
      errors: [{ field: 'email', message: 'invalid_email', values: ['not-an-email'] }],
    },
  ],
} satisfies ValidateResultDto;

/** Its confirm with `override: true` and row 4 resolved to its first candidate. */
export const CLIENTS_CONFIRM_EXAMPLE = {
  created: 2,
  updated: 1,
  skipped: 1,
  failed: 0,
  results: [
    { row_number: 2, status: 'created', id: '01a236ca-9325-7000-8000-023b67be0051' },
    { row_number: 3, status: 'updated', id: EXISTING_ID },
    { row_number: 4, status: 'created', id: '01a236ca-9325-7000-8000-0502d163af6b' },
    { row_number: 5, status: 'skipped', reason: 'error' },
  ],
} satisfies ConfirmResultDto;

/**
 * Its undo, after someone changed Giulia's phone (row 2) by hand: her client is kept with the
 * phone as it is now, Marco's (row 3) gets his phone of before back, Luca's (row 4) is deleted.
 */
export const CLIENTS_REVERT_EXAMPLE = {
  deleted: 1,
  restored: 1,
  kept: 1,
  results: [
    {
      row_number: 2,
      status: 'kept',
      id: '01a236ca-9325-7000-8000-023b67be0051',
      reason: 'modified_since',
      fields: {
        phone: { before: null, imported: '+393471234567', current: '+393479876543' },
      },
    },
    { row_number: 3, status: 'restored', id: EXISTING_ID },
    { row_number: 4, status: 'deleted', id: '01a236ca-9325-7000-8000-0502d163af6b' },
  ],
} satisfies RevertResultDto;

/** Its errors.csv (the file starts with a UTF-8 BOM; lines end with LF). */
export const CLIENTS_ERRORS_CSV_EXAMPLE =
  `${Object.keys(ERROR_ROW).join(',')},row_number,status,reason,errors\n` +
  `${Object.values(ERROR_ROW).join(',')},5,skipped,error,email: invalid_email (not-an-email)\n`;
