import type { Type as Class } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { PageRequest } from '../pagination.js';

export class PaginationQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  page_size: number = 20;

  toPageRequest(): PageRequest {
    return { page: this.page, pageSize: this.page_size };
  }
}

/**
 * The query of a list that can be searched: a page and `search` (matched case-insensitively;
 * `description` says against what). The rule of `search` lives here, once for every list.
 */
export function SearchPageQueryDto(
  description: string,
): Class<PaginationQueryDto & { search?: string }> {
  class SearchPageQuery extends PaginationQueryDto {
    @ApiPropertyOptional({ description })
    @IsOptional()
    @IsString()
    @MaxLength(255)
    search?: string;
  }
  return SearchPageQuery;
}
