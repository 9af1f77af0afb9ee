import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
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
import { PaginationQueryDto } from '../../../shared/http/pagination.dto.js';
import type { Page } from '../../../shared/pagination.js';
import { AppsService } from '../application/apps.service.js';
import {
  AppDto,
  CREATE_APP_EXAMPLE,
  CreateAppDto,
  CreatedAppDto,
  UPDATE_APP_EXAMPLE,
  UpdateAppDto,
} from './app.dto.js';

const CODE_NAME = {
  name: 'app_code_name',
  example: CREATE_APP_EXAMPLE.app_code_name,
  description: 'The app_code_name given at creation',
};
const INVALID_BODY = invalidDoc(
  'A field breaks its rule (every offending field is listed)',
  'redirect_uri',
  'invalid_url',
  'not a url',
);
const NOT_FOUND = errorDoc(
  'No such app',
  new NotFoundError(`app ${CREATE_APP_EXAMPLE.app_code_name}`),
);
const NOT_OWNER = errorDoc(
  "Only the owner (the creating token's sub) or platform:admin may change the app",
  new ForbiddenError('insufficient permissions: only the app owner may change it'),
  'not_the_owner',
);

@ApiTags('apps')
@Controller('platform/v1/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Post()
  @Scopes('apps:write')
  @ApiOperation({
    operationId: 'createApp',
    summary: 'Register an app; its client_secret is shown once',
    description:
      "The example is the seed's prerequisite request. Keep the `client_id` and `client_secret` " +
      'of the answer: `POST /oauth/token` trades them for an app token.',
  })
  @ApiJsonBody(CreateAppDto, CREATE_APP_EXAMPLE)
  @ApiEnvelope(CreatedAppDto, { status: 201, message: 'app created' })
  @ApiErrors({
    400: INVALID_BODY,
    409: errorDoc(
      'The app_code_name is taken (across the platform)',
      new ConflictError('already_exists', 'app already exists', [
        detail('app_code_name', 'already_exists', CREATE_APP_EXAMPLE.app_code_name),
      ]),
    ),
  })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateAppDto,
  ): Promise<CreatedAppDto> {
    const { app, clientSecret } = await this.apps.create(principal, {
      appCodeName: body.app_code_name,
      ...body.toDetails(),
    });
    return { ...AppDto.from(app), client_id: app.clientId, client_secret: clientSecret };
  }

  @Get()
  @Scopes('apps:read')
  @ApiOperation({ operationId: 'listApps', summary: 'List apps' })
  @ApiEnvelope(AppDto, { message: 'apps', list: true })
  @ApiErrors({
    400: COMMON_ERRORS.badPage,
  })
  async list(@Query() query: PaginationQueryDto): Promise<Page<AppDto>> {
    const page = await this.apps.list(query.toPageRequest());
    return { ...page, items: page.items.map((app) => AppDto.from(app)) };
  }

  @Get(':app_code_name')
  @Scopes('apps:read')
  @ApiOperation({ operationId: 'getApp', summary: 'Get an app' })
  @ApiParam(CODE_NAME)
  @ApiEnvelope(AppDto, { message: 'app' })
  @ApiErrors({ 404: NOT_FOUND })
  async get(@Param('app_code_name') appCodeName: string): Promise<AppDto> {
    return AppDto.from(await this.apps.get(appCodeName));
  }

  @Put(':app_code_name')
  @Scopes('apps:write')
  @ApiOperation({
    operationId: 'updateApp',
    summary: "Replace an app's details (owner or platform:admin)",
  })
  @ApiParam(CODE_NAME)
  @ApiJsonBody(UpdateAppDto, UPDATE_APP_EXAMPLE)
  @ApiEnvelope(AppDto, { message: 'app updated' })
  @ApiErrors({ 400: INVALID_BODY, 403: NOT_OWNER, 404: NOT_FOUND })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('app_code_name') appCodeName: string,
    @Body() body: UpdateAppDto,
  ): Promise<AppDto> {
    return AppDto.from(await this.apps.update(principal, appCodeName, body.toDetails()));
  }

  @Delete(':app_code_name')
  @Scopes('apps:write')
  @ApiOperation({
    operationId: 'deleteApp',
    summary: 'Delete an app (owner or platform:admin); refused while assigned',
  })
  @ApiParam(CODE_NAME)
  @ApiEnvelope(AppDto, { message: 'app deleted' })
  @ApiErrors({
    403: NOT_OWNER,
    404: NOT_FOUND,
    409: errorDoc(
      'The app still has assignments',
      new ConflictError('has_assignments', 'app is still assigned', [
        detail('app_code_name', 'has_assignments', CREATE_APP_EXAMPLE.app_code_name),
      ]),
    ),
  })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('app_code_name') appCodeName: string,
  ): Promise<AppDto> {
    return AppDto.from(await this.apps.delete(principal, appCodeName));
  }
}
