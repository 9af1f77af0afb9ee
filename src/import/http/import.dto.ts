import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, IsUUID } from 'class-validator';
import { detail, type ErrorDetail, InvalidError } from '../../shared/domain-error.js';
import {
  OUTCOME_STATUSES,
  type OutcomeStatus,
  ROW_STATUSES,
  type RowStatus,
  SKIP_REASONS,
  type SkipReason,
} from '../domain/import-row.js';
import {
  REVERT_REASONS,
  REVERT_STATUSES,
  type RevertReason,
  type RevertStatus,
} from '../domain/import-change.js';
import { type DisplayPhase, PHASES, type Resolutions } from '../domain/import-session.js';

export class ConfirmImportDto {
  @ApiProperty({
    format: 'uuid',
    example: '3312b187-a8b0-45f5-b23a-98798b64eb31',
    description: 'From the validate response; sessions expire after 30 min',
  })
  @IsUUID('all', { message: 'invalid_uuid' })
  import_id: string;

  @ApiPropertyOptional({
    default: false,
    example: false,
    description:
      'Update the existing entity of each warning row; when false, warning rows are skipped',
  })
  @IsOptional()
  @IsBoolean()
  override?: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: {
        organization_id: { type: 'string', description: "One of the row's candidates[].logto_id" },
      },
      required: ['organization_id'],
    },
    example: {},
    description:
      'Per-row organisation choices for ambiguous rows, keyed by row number as a string: ' +
      '`{"7": {"organization_id": "<one of row 7\'s candidates[].logto_id>"}}`. ' +
      'Ambiguous rows without a resolution are skipped.',
  })
  @IsOptional()
  // The raw value, not a class-transformer copy: keys such as "__proto__" must stay visible.
  @Transform(({ obj }) => (obj as Record<string, unknown>).resolutions)
  @IsObject()
  resolutions?: Record<string, unknown>;

  /** `{ "<row>": { organization_id } }` → row → the chosen candidate; every malformed entry listed (400). */
  parsedResolutions(): Resolutions {
    const raw = this.resolutions ?? {};
    const errors: ErrorDetail[] = [];
    const resolutions: Resolutions = Object.create(null) as Resolutions;
    for (const [key, value] of Object.entries(raw)) {
      const orgId = (value as { organization_id?: unknown } | null)?.organization_id;
      const extra =
        value && typeof value === 'object'
          ? Object.keys(value).filter((k) => k !== 'organization_id')
          : [];
      if (
        typeof value !== 'object' ||
        value === null ||
        Array.isArray(value) ||
        typeof orgId !== 'string' ||
        orgId.trim() === '' ||
        orgId.length > 255
      ) {
        errors.push(
          detail(
            `resolutions.${key}.organization_id`,
            typeof orgId === 'string' && orgId.length > 255 ? 'too_long' : 'required',
            orgId,
          ),
        );
      } else if (extra.length > 0) {
        errors.push(detail(`resolutions.${key}.${extra[0]}`, 'unknown_property', ''));
      } else {
        Object.defineProperty(resolutions, key, { value: orgId.trim(), enumerable: true });
      }
    }
    if (errors.length > 0) throw new InvalidError(errors);
    return resolutions;
  }
}

/** An example row's cells (Swagger examples): every column, in order, empty unless given. */
export function exampleCells(
  columns: readonly string[],
  cells: Partial<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(columns.map((column) => [column, cells[column] ?? '']));
}

/**
 * What `phase` (and `status`, which shows `receiving` as `validating` for clients of before) of
 * an import can be: the domain's phases, and `expired`.
 */
const DISPLAY_PHASES = [...PHASES, 'expired'] as const satisfies readonly DisplayPhase[];
const DISPLAY_STATUSES = DISPLAY_PHASES.filter((p) => p !== 'receiving');
type DisplayStatus = Exclude<DisplayPhase, 'receiving'>;

export class CandidateDto {
  @ApiProperty({
    format: 'uuid',
    example: '5b0c4e1e-8a43-4c9e-9a55-3f0d6c1e2a10',
    description: "The customer's id (the reference API's field name); send it as organization_id",
  })
  logto_id: string;
  @ApiProperty({ example: 'Gamma' }) name: string;
  @ApiProperty({ enum: ['customer'], example: 'customer' }) type: 'customer';
}

export class ImportIssueDto {
  @ApiProperty({ example: 'company_name' }) field: string;
  @ApiProperty({ example: 'ambiguous', description: 'A stable snake_case code' }) message: string;
  @ApiPropertyOptional({ type: [String], example: ['Gamma'] }) values?: string[];
  @ApiPropertyOptional({
    type: [CandidateDto],
    description: '`ambiguous` only: the records the value could mean',
  })
  candidates?: CandidateDto[];
}

export class FieldChangeDto {
  @ApiProperty({ type: String, nullable: true, example: '+390211111' }) from: string | null;
  @ApiProperty({ type: String, nullable: true, example: '+390222222' }) to: string | null;
}

@ApiExtraModels(FieldChangeDto)
export class ImportRowDto {
  @ApiProperty({
    type: 'integer',
    example: 7,
    description: 'The line in the file; the first data row is 2',
  })
  row_number: number;
  @ApiProperty({ enum: ROW_STATUSES, enumName: 'RowStatus' }) status: RowStatus;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The cells as read',
  })
  data: Record<string, string>;
  @ApiPropertyOptional({ type: [ImportIssueDto] }) errors?: ImportIssueDto[];
  @ApiPropertyOptional({ type: [ImportIssueDto] }) warnings?: ImportIssueDto[];
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'warning already_exists: the entity override would update',
  })
  existing_id?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(FieldChangeDto) },
    example: { phone: { from: '+390211111', to: '+390222222' } },
    description: 'warning already_exists: what override would change, field by field',
  })
  diff?: Record<string, FieldChangeDto>;
}

export class ValidateResultDto {
  @ApiProperty({ format: 'uuid' }) import_id: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ type: 'integer', example: 6 }) total_rows: number;
  @ApiProperty({ type: 'integer', example: 2 }) valid_rows: number;
  @ApiProperty({ type: 'integer', example: 1 }) warning_rows: number;
  @ApiProperty({ type: 'integer', example: 2 }) error_rows: number;
  @ApiProperty({ type: 'integer', example: 1 }) ambiguous_rows: number;
  @ApiProperty({ type: [ImportRowDto], description: 'Every row, in file order' })
  rows: ImportRowDto[];
}

export class RowResultDto {
  @ApiProperty({ type: 'integer', example: 2 }) row_number: number;
  @ApiProperty({ enum: OUTCOME_STATUSES, enumName: 'OutcomeStatus' }) status: OutcomeStatus;
  @ApiPropertyOptional({ format: 'uuid', description: 'created/updated only' }) id?: string;
  @ApiPropertyOptional({ enum: SKIP_REASONS, enumName: 'SkipReason', description: 'skipped only' })
  reason?: SkipReason;
  @ApiPropertyOptional({
    description: 'failed only',
    example: 'email already used by another client',
  })
  error?: string;
}

/** The four outcome counters; they sum to the import's total_rows. */
export class OutcomeCountersDto {
  @ApiProperty({ type: 'integer', example: 2 }) created: number;
  @ApiProperty({ type: 'integer', example: 1 }) updated: number;
  @ApiProperty({ type: 'integer', example: 2 }) skipped: number;
  @ApiProperty({ type: 'integer', example: 1 }) failed: number;
}

export class ConfirmResultDto extends OutcomeCountersDto {
  @ApiProperty({ type: [RowResultDto], description: 'One per row, in row order' })
  results: RowResultDto[];
}

/** A field changed since the import: undo left it as it is. */
export class FieldConflictDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '+390211111',
    description: 'Before the import (null: the import created the record)',
  })
  before: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '+390222222',
    description: 'What the import wrote',
  })
  imported: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '+390233333',
    description: 'What the record holds now (kept)',
  })
  current: string | null;
}

@ApiExtraModels(FieldConflictDto)
export class RevertRowResultDto {
  @ApiProperty({ type: 'integer', example: 2 }) row_number: number;
  @ApiProperty({
    enum: REVERT_STATUSES,
    enumName: 'RevertStatus',
    description:
      'deleted: the record the row created is gone; restored: the fields the row changed have their ' +
      'values of before again; kept: the record stays as it is (see reason)',
  })
  status: RevertStatus;
  @ApiProperty({ format: 'uuid', description: 'The record the row wrote' }) id: string;
  @ApiPropertyOptional({
    enum: REVERT_REASONS,
    enumName: 'RevertReason',
    description:
      'kept: modified_since (changed after the import: see fields), referenced (something refers to it, ' +
      'e.g. a client belongs to this customer), revert_failed (see error); deleted: deleted_since ' +
      '(someone deleted it after the import)',
  })
  reason?: RevertReason;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(FieldConflictDto) },
    example: { phone: { before: '+390211111', imported: '+390222222', current: '+390233333' } },
    description:
      'modified_since: the fields changed since the import, left as they are; the other fields the row ' +
      'changed got their values of before back',
  })
  fields?: Record<string, FieldConflictDto>;
  @ApiPropertyOptional({
    description: 'revert_failed only',
    example: 'the organization no longer exists',
  })
  error?: string;
}

/** Undo's counters; they sum to the rows the import created or updated. */
export class RevertCountersDto {
  @ApiProperty({ type: 'integer', example: 1 }) deleted: number;
  @ApiProperty({ type: 'integer', example: 1 }) restored: number;
  @ApiProperty({ type: 'integer', example: 1 }) kept: number;
}

export class RevertResultDto extends RevertCountersDto {
  @ApiProperty({
    type: [RevertRowResultDto],
    description: 'One per row the import created or updated, in row order',
  })
  results: RevertRowResultDto[];
}

/** An import's state and progress, without its rows (the items of the imports list). */
export class ImportSummaryDto extends OutcomeCountersDto {
  @ApiProperty({ format: 'uuid' }) import_id: string;
  @ApiProperty({ enum: ['customers', 'clients'] }) entity_type: 'customers' | 'clients';
  @ApiProperty({ enum: ['csv', 'app'], description: 'A CSV upload, or a pull from an app' })
  channel: 'csv' | 'app';
  @ApiProperty({
    enum: DISPLAY_STATUSES,
    enumName: 'ImportStatus',
    description: '`expired`: validated, but not confirmed in time',
  })
  status: DisplayStatus;
  @ApiPropertyOptional({
    example: 'testimportapp1700000000',
    description: 'App imports only: the app pulled from',
  })
  app_code_name?: string;
  @ApiProperty({ type: 'integer' }) total_rows: number;
  @ApiProperty({ type: 'integer' }) valid_rows: number;
  @ApiProperty({ type: 'integer' }) warning_rows: number;
  @ApiProperty({ type: 'integer' }) error_rows: number;
  @ApiProperty({ type: 'integer' }) ambiguous_rows: number;
  @ApiProperty({ type: 'integer', description: 'Rows received so far (app imports: pulled)' })
  rows_collected: number;
  @ApiProperty({ type: 'integer', description: 'Rows that have an outcome' })
  rows_processed: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completed_at: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why a failed import failed' })
  error: string | null;
}

export class ImportProgressDto {
  @ApiProperty({ type: 'integer', example: 41000, description: 'Rows done in the current phase' })
  rows_processed: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 100000,
    description: 'Rows of the current phase (null while unknown: an app still sending pages)',
  })
  total_rows: number | null;
  @ApiProperty({ description: 'total_rows is estimated from the bytes read so far' })
  total_is_estimate: boolean;
  @ApiProperty({
    type: 'number',
    nullable: true,
    example: 41.0,
    description: 'Percent of the current phase done; never goes back',
  })
  percent: number | null;
}

export class ImportLinksDto {
  @ApiProperty({ example: '/customers/import/3312b187-a8b0-45f5-b23a-98798b64eb31' }) self: string;
  @ApiProperty({ description: 'Server-sent events of the status' }) events: string;
  @ApiProperty({ description: 'The validated rows, paged' }) rows: string;
  @ApiProperty({ description: 'The outcomes, paged' }) results: string;
  @ApiProperty({ description: 'The rows not imported, as CSV' }) errors_csv: string;
  @ApiProperty({ description: 'POST here to cancel' }) cancel: string;
  @ApiProperty({ description: 'POST here to undo' }) revert: string;
  @ApiProperty({ description: "The undo's outcomes, paged" }) revert_results: string;
}

/** An import as a job (SPEC §8): its phase, the progress of the phase, and where to follow it. */
export class ImportJobDto extends ImportSummaryDto {
  @ApiProperty({ enum: DISPLAY_PHASES, enumName: 'ImportPhase', example: 'confirming' })
  phase: DisplayPhase;
  @ApiProperty({ type: ImportProgressDto })
  progress: ImportProgressDto;
  @ApiProperty({ format: 'date-time', description: 'When the current phase began' })
  started_at: string;
  @ApiProperty({ format: 'date-time', description: 'Last change of the status or its progress' })
  updated_at: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description:
      'Until when the import can be undone (null: it cannot be — still running, nothing written, ' +
      'or already undone)',
  })
  undo_until: string | null;
  @ApiProperty({
    type: RevertCountersDto,
    nullable: true,
    description: 'What the undo did so far (null until an undo starts)',
  })
  revert: RevertCountersDto | null;
  @ApiProperty({ description: 'A cancel was asked for; the job stops at its next batch' })
  cancel_requested: boolean;
  @ApiProperty({ type: ImportLinksDto })
  links: ImportLinksDto;
}

export class ImportStatusDto extends ImportJobDto {
  @ApiProperty({
    type: [RowResultDto],
    description:
      'The first 100 outcomes, in row order; every outcome is paged at `links.results` (`{one}/results`)',
  })
  results: RowResultDto[];
}
