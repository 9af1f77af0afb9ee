import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PaginationQueryDto } from '../../shared/http/pagination.dto.js';
import { OUTCOME_STATUSES, ROW_STATUSES } from '../domain/import-row.js';
import { PHASES } from '../domain/import-session.js';
import { ImportStatusDto, RowResultDto } from './import.dto.js';

export class ImportProgressDto {
  @ApiProperty({ type: 'integer', example: 41000, description: 'Rows done in the current phase' })
  rows_processed: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 100000,
    description: 'Rows of the current phase (null while unknown, e.g. an app still sending pages)',
  })
  total_rows: number | null;
  @ApiProperty({ description: 'total_rows is estimated from the bytes read so far' })
  total_is_estimate: boolean;
  @ApiProperty({
    type: 'number',
    nullable: true,
    example: 41.0,
    description: 'Percent of the current phase; never goes back',
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
}

/** The status of an import with its phase and progress (SPEC §8). */
export class ImportJobStatusDto extends ImportStatusDto {
  @ApiProperty({ enum: [...PHASES, 'expired'], example: 'confirming' })
  phase: string;
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
    description: 'Until when the import can be undone',
  })
  undo_until: string | null;
  @ApiProperty({ description: 'A cancel was asked for; the job stops at its next batch' })
  cancel_requested: boolean;
  @ApiProperty({ type: ImportLinksDto })
  links: ImportLinksDto;
}

/** `GET {one}`: the status with the first 100 results (all of them at `{one}/results`). */
export class ImportStatusWithResultsDto extends ImportJobStatusDto {
  @ApiProperty({
    type: [RowResultDto],
    description: 'The first 100 outcomes in row order; every outcome is paged at links.results',
  })
  declare results: RowResultDto[];
}

export class ImportRowsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    description: `Comma-separated row statuses (${ROW_STATUSES.join(', ')}); all when absent`,
    example: 'error,warning',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  status?: string;
}

export class ImportResultsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    description: `Comma-separated outcomes (${OUTCOME_STATUSES.join(', ')}); all when absent`,
    example: 'failed',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  status?: string;
}

export class ValidateQueryDto {
  @ApiPropertyOptional({
    enum: ['all', 'problems', 'none'],
    default: 'all',
    description:
      'Which rows the synchronous answer lists: all (the default), problems (every row that is not valid) ' +
      'or none. Every row stays available at `{one}/rows`.',
  })
  @IsOptional()
  @IsIn(['all', 'problems', 'none'])
  rows?: 'all' | 'problems' | 'none';
}
