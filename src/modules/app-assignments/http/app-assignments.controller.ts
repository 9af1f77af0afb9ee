import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import {
  ConflictError,
  detail,
  ForbiddenError,
  NotFoundError,
} from '../../../shared/domain-error.js';
import {
  ApiEnvelope,
  ApiErrors,
  ApiJsonBody,
  COMMON_ERRORS,
  errorDoc,
  invalidDoc,
} from '../../../shared/http/api-envelope.decorator.js';
import {
  Idempotent,
  withIdempotencyErrors,
} from '../../../shared/idempotency/idempotent.decorator.js';
import { UuidParam } from '../../../shared/http/uuid-param.js';
import type { Page } from '../../../shared/pagination.js';
import { AppAssignmentsService } from '../application/app-assignments.service.js';
import {
  AppAssignmentDto,
  CREATE_APP_ASSIGNMENT_EXAMPLE,
  CreateAppAssignmentDto,
  ListAppAssignmentsQueryDto,
} from './app-assignment.dto.js';

const UID = { name: 'uid', format: 'uuid', description: 'The uid of the create response' };
const EXAMPLE_UID = '0d7a3c55-2f61-4b8e-9c0e-6a1f2b3c4d5e';
const NOT_FOUND = errorDoc(
  "No such assignment (or another business's)",
  new NotFoundError(`app assignment ${EXAMPLE_UID}`),
);
const OWN_BUSINESS_ONLY = errorDoc(
  "Without platform:admin: an assignee other than the token's own business (assignee_type business)",
  new ForbiddenError('insufficient permissions: only assignments of your own business'),
  'own_business_only',
);

@ApiTags('app assignments')
@Controller('v3/apps/app_assignments')
export class AppAssignmentsController {
  constructor(private readonly assignments: AppAssignmentsService) {}

  @Post()
  @Scopes('app_assignments:write')
  @ApiOperation({
    operationId: 'createAppAssignment',
    summary: 'Assign an app to a business, directory or package',
    description:
      "Without platform:admin, only to the caller's own business. The example is the seed's " +
      'prerequisite request for the demo business (`demo-business`, the business of the demo ' +
      'token); with another token, put its business_uid in assignee_uid.',
  })
  @ApiJsonBody(CreateAppAssignmentDto, CREATE_APP_ASSIGNMENT_EXAMPLE)
  @Idempotent()
  @ApiEnvelope(AppAssignmentDto, { status: 201, message: 'app assignment created' })
  @ApiErrors(
    withIdempotencyErrors({
      400: invalidDoc(
        'A field breaks its rule (every offending field is listed)',
        'assignee_type',
        'invalid_value',
        'company',
      ),
      403: OWN_BUSINESS_ONLY,
      404: errorDoc(
        'No such app',
        new NotFoundError(`app ${CREATE_APP_ASSIGNMENT_EXAMPLE.app_code_name}`),
      ),
      409: errorDoc(
        'The app is already assigned to this assignee',
        new ConflictError('already_exists', 'app assignment already exists', [
          detail('assignee_uid', 'already_exists', CREATE_APP_ASSIGNMENT_EXAMPLE.assignee_uid),
        ]),
      ),
    }),
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
    operationId: 'listAppAssignments',
    summary: 'List assignments',
    description: "Without platform:admin, only the caller's own business's assignments.",
  })
  @ApiEnvelope(AppAssignmentDto, { message: 'app assignments', list: true })
  @ApiErrors({
    400: COMMON_ERRORS.badPage,
    403: OWN_BUSINESS_ONLY,
  })
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
  @ApiOperation({ operationId: 'getAppAssignment', summary: 'Get an assignment' })
  @ApiParam(UID)
  @ApiEnvelope(AppAssignmentDto, { message: 'app assignment' })
  @ApiErrors({ 400: COMMON_ERRORS.invalidUuid('uid'), 404: NOT_FOUND })
  async get(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('uid') uid: string,
  ): Promise<AppAssignmentDto> {
    return AppAssignmentDto.from(await this.assignments.get(principal, uid));
  }

  @Delete(':uid')
  @Scopes('app_assignments:write')
  @ApiOperation({
    operationId: 'deleteAppAssignment',
    summary: 'Delete an assignment; returns the deleted assignment',
  })
  @ApiParam(UID)
  @ApiEnvelope(AppAssignmentDto, { message: 'app assignment deleted' })
  @ApiErrors({ 400: COMMON_ERRORS.invalidUuid('uid'), 404: NOT_FOUND })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('uid') uid: string,
  ): Promise<AppAssignmentDto> {
    return AppAssignmentDto.from(await this.assignments.delete(principal, uid));
  }
}
