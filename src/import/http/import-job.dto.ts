import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PaginationQueryDto } from '../../shared/http/pagination.dto.js';
import { REVERT_STATUSES } from '../domain/import-change.js';
import { OUTCOME_STATUSES, ROW_STATUSES } from '../domain/import-row.js';

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

export class ImportRevertResultsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    description: `Comma-separated undo outcomes (${REVERT_STATUSES.join(', ')}); all when absent`,
    example: 'kept',
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

/** The formats of the template download (`?format=`). */
export const TEMPLATE_FORMATS = ['csv', 'xlsx'] as const;
export type TemplateFormat = (typeof TEMPLATE_FORMATS)[number];

export class TemplateQueryDto {
  @ApiPropertyOptional({
    enum: TEMPLATE_FORMATS,
    default: 'csv',
    description:
      'csv: the header line. xlsx: a workbook whose header row is the columns, every column ' +
      'formatted as text (leading zeros and long numbers stay as typed).',
  })
  @IsOptional()
  @IsIn([...TEMPLATE_FORMATS])
  format?: TemplateFormat;
}
