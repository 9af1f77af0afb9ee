import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PaginationQueryDto } from '../../../shared/http/pagination.dto.js';
import {
  type AppAssignment,
  ASSIGNEE_TYPES,
  type AssigneeType,
  ASSIGNMENT_MODES,
  type AssignmentMode,
} from '../domain/app-assignment.js';

export class AssignmentSettingsDto {
  @ApiProperty({ enum: ASSIGNMENT_MODES, example: 'internal' })
  @IsIn(ASSIGNMENT_MODES)
  assignment_mode: AssignmentMode;
}

export class CreateAppAssignmentDto {
  @ApiProperty({ example: 'testimportapp1700000000' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  app_code_name: string;

  @ApiProperty({ example: 'demo-business', description: 'The business (directory, package) uid' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  assignee_uid: string;

  @ApiProperty({ enum: ASSIGNEE_TYPES, example: 'business' })
  @IsIn(ASSIGNEE_TYPES)
  assignee_type: AssigneeType;

  @ApiProperty({ type: AssignmentSettingsDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AssignmentSettingsDto)
  settings: AssignmentSettingsDto;
}

export class ListAppAssignmentsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  app_code_name?: string;

  @ApiPropertyOptional({ enum: ASSIGNEE_TYPES })
  @IsOptional()
  @IsIn(ASSIGNEE_TYPES)
  assignee_type?: AssigneeType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  assignee_uid?: string;
}

export class AppAssignmentDto {
  @ApiProperty({ format: 'uuid' })
  uid: string;
  @ApiProperty({ example: 'testimportapp1700000000' })
  app_code_name: string;
  @ApiProperty({ enum: ASSIGNEE_TYPES })
  assignee_type: string;
  @ApiProperty({ example: 'demo-business' })
  assignee_uid: string;
  @ApiProperty({ type: AssignmentSettingsDto })
  settings: { assignment_mode: string };
  @ApiProperty({ format: 'date-time' })
  created_at: string;
  @ApiProperty({ format: 'date-time' })
  updated_at: string;

  static from(a: AppAssignment): AppAssignmentDto {
    return {
      uid: a.uid,
      app_code_name: a.appCodeName,
      assignee_type: a.assigneeType,
      assignee_uid: a.assigneeUid,
      settings: a.settings,
      created_at: a.createdAt.toISOString(),
      updated_at: a.updatedAt.toISOString(),
    };
  }
}

/** The seed's prerequisite request (000_…) for the demo token's business. */
export const CREATE_APP_ASSIGNMENT_EXAMPLE = {
  app_code_name: 'testimportapp1700000000',
  assignee_uid: 'demo-business',
  assignee_type: 'business',
  settings: { assignment_mode: 'internal' },
} satisfies CreateAppAssignmentDto;
