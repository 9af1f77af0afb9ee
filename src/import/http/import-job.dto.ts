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
