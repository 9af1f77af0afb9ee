import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsObject, IsOptional, IsUUID } from 'class-validator';
import { detail, type ErrorDetail, InvalidError } from '../../shared/domain-error.js';
import type { Resolutions } from '../domain/import-session.js';

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
    example: { '7': { organization_id: 'abc123' } },
    description: 'Per-row organisation choices for ambiguous rows, keyed by row number',
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

export class ImportIssueDto {
  @ApiProperty({ example: 'company_name' }) field: string;
  @ApiProperty({ example: 'ambiguous' }) message: string;
  @ApiPropertyOptional({ type: [String], example: ['Gamma'] }) values?: string[];
  @ApiPropertyOptional({ example: [{ logto_id: '5b0c…', name: 'Gamma', type: 'customer' }] })
  candidates?: Array<{ logto_id: string; name: string; type: string }>;
}

export class ImportRowDto {
  @ApiProperty({ example: 7, description: 'The line in the file; the first data row is 2' })
  row_number: number;
  @ApiProperty({ enum: ['valid', 'warning', 'error', 'ambiguous'] }) status: string;
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
    example: { phone: { from: '+390211111', to: '+390222222' } },
    description: 'What override would change',
  })
  diff?: Record<string, { from: string | null; to: string | null }>;
}

export class ValidateResultDto {
  @ApiProperty({ format: 'uuid' }) import_id: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ example: 6 }) total_rows: number;
  @ApiProperty({ example: 2 }) valid_rows: number;
  @ApiProperty({ example: 1 }) warning_rows: number;
  @ApiProperty({ example: 2 }) error_rows: number;
  @ApiProperty({ example: 1 }) ambiguous_rows: number;
  @ApiProperty({ type: [ImportRowDto] }) rows: ImportRowDto[];
}

export class RowResultDto {
  @ApiProperty({ example: 2 }) row_number: number;
  @ApiProperty({ enum: ['created', 'updated', 'skipped', 'failed'] }) status: string;
  @ApiPropertyOptional({ description: 'created/updated only' }) id?: string;
  @ApiPropertyOptional({
    enum: ['error', 'warning_not_overridden', 'ambiguous_unresolved'],
    description: 'skipped only',
  })
  reason?: string;
  @ApiPropertyOptional({
    description: 'failed only',
    example: 'email already used by another client',
  })
  error?: string;
}

export class ConfirmResultDto {
  @ApiProperty({ example: 2 }) created: number;
  @ApiProperty({ example: 1 }) updated: number;
  @ApiProperty({ example: 2 }) skipped: number;
  @ApiProperty({ example: 1 }) failed: number;
  @ApiProperty({ type: [RowResultDto], description: 'One per row, in row order' })
  results: RowResultDto[];
}

export class ImportStatusDto extends ConfirmResultDto {
  @ApiProperty({ format: 'uuid' }) import_id: string;
  @ApiProperty({ enum: ['customers', 'clients'] }) entity_type: string;
  @ApiProperty({
    enum: ['validating', 'collecting', 'validated', 'confirming', 'completed', 'failed', 'expired'],
  })
  status: string;
  @ApiProperty() total_rows: number;
  @ApiProperty() valid_rows: number;
  @ApiProperty() warning_rows: number;
  @ApiProperty() error_rows: number;
  @ApiProperty() ambiguous_rows: number;
  @ApiProperty({ description: 'Rows that have an outcome' }) rows_processed: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completed_at: string | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
}
