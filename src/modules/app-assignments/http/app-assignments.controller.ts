import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../../shared/http/api-envelope.decorator.js';
import {
  Idempotent,
  withIdempotencyErrors,
} from '../../../shared/idempotency/idempotent.decorator.js';
import { UuidParam } from '../../../shared/http/uuid-param.js';
import type { Page } from '../../../shared/pagination.js';
import { AppAssignmentsService } from '../application/app-assignments.service.js';
import {
  AppAssignmentDto,
  CreateAppAssignmentDto,
  ListAppAssignmentsQueryDto,
} from './app-assignment.dto.js';

const UID = { name: 'uid', format: 'uuid' };

@ApiTags('app assignments')
@Controller('v3/apps/app_assignments')
export class AppAssignmentsController {
  constructor(private readonly assignments: AppAssignmentsService) {}

  @Post()
  @Scopes('app_assignments:write')
  @ApiOperation({
    summary: 'Assign an app to a business, directory or package',
    description: "Without platform:admin, only to the caller's own business.",
  })
  @Idempotent()
  @ApiEnvelope(AppAssignmentDto, { status: 201, message: 'app assignment created' })
  @ApiErrors(
    withIdempotencyErrors({ 400: 'Invalid body', 404: 'No such app', 409: 'Already assigned' }),
  )
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateAppAssignmentDto,
  ): Promise<AppAssignmentDto> {
    const assignment = await this.assignments.create(principal, {
      appCodeName: body.app_code_name,
      assigneeType: body.assignee_type,
      assigneeUid: body.assignee_uid,
      assignmentMode: body.settings.assignment_mode,
    });
    return AppAssignmentDto.from(assignment);
  }

  @Get()
  @Scopes('app_assignments:read')
  @ApiOperation({
    summary: 'List assignments',
    description: "Without platform:admin, only the caller's own business's assignments.",
  })
  @ApiEnvelope(AppAssignmentDto, { message: 'app assignments', list: true })
  @ApiErrors({ 400: 'Invalid filter or page' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListAppAssignmentsQueryDto,
  ): Promise<Page<AppAssignmentDto>> {
    const page = await this.assignments.list(
      principal,
      {
        appCodeName: query.app_code_name,
        assigneeType: query.assignee_type,
        assigneeUid: query.assignee_uid,
      },
      query.toPageRequest(),
    );
    return { ...page, items: page.items.map((a) => AppAssignmentDto.from(a)) };
  }

  @Get(':uid')
  @Scopes('app_assignments:read')
  @ApiOperation({ summary: 'Get an assignment' })
  @ApiParam(UID)
  @ApiEnvelope(AppAssignmentDto, { message: 'app assignment' })
  @ApiErrors({ 400: 'uid is not a UUID', 404: 'No such assignment' })
  async get(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('uid') uid: string,
  ): Promise<AppAssignmentDto> {
    return AppAssignmentDto.from(await this.assignments.get(principal, uid));
  }

  @Delete(':uid')
  @Scopes('app_assignments:write')
  @ApiOperation({ summary: 'Delete an assignment; returns the deleted assignment' })
  @ApiParam(UID)
  @ApiEnvelope(AppAssignmentDto, { message: 'app assignment deleted' })
  @ApiErrors({ 400: 'uid is not a UUID', 404: 'No such assignment' })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('uid') uid: string,
  ): Promise<AppAssignmentDto> {
    return AppAssignmentDto.from(await this.assignments.delete(principal, uid));
  }
}
