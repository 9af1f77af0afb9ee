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
import {
  Idempotent,
  withIdempotencyErrors,
} from '../../../shared/idempotency/idempotent.decorator.js';
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

/** A real answer of the rotation (the secret is a made-up one of the true shape). */
const ROTATED_EXAMPLE = {
  code: 200,
  message: 'app secret rotated',
  data: {
    app_code_name: 'testimportapp1700000000',
    app_id: '0192b3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b',
    name: 'Test Import Clients App',
    app_type: ['import_clients'],
    redirect_uri: 'https://example.com/callback',
    api_uri: 'https://app.example.com/records',
    description: null,
    owner_uid: 'user-42',
    created_at: '2026-11-20T09:15:02.118Z',
    updated_at: '2026-12-04T16:40:55.907Z',
    client_id: 'app_9f86d081884c7d659a2feaa0',
    client_secret: 'sk_q3Vt0bX9mK2pL7wN4rY8cE1hJ6gF5dA0sZ-uI_oTxMv',
  },
} satisfies { data: CreatedAppDto } & Record<string, unknown>;

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
  @Idempotent()
  @ApiEnvelope(CreatedAppDto, { status: 201, message: 'app created' })
  @ApiErrors(
    withIdempotencyErrors({
      400: INVALID_BODY,
      409: errorDoc(
        'The app_code_name is taken (across the platform)',
        new ConflictError('already_exists', 'app already exists', [
          detail('app_code_name', 'already_exists', CREATE_APP_EXAMPLE.app_code_name),
        ]),
      ),
    }),
  )
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateAppDto,
  ): Promise<CreatedAppDto> {
    return CreatedAppDto.withSecret(
      await this.apps.create(principal, { appCodeName: body.app_code_name, ...body.toDetails() }),
    );
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

  @Post(':app_code_name/secret')
  @Scopes('apps:write')
  @ApiOperation({
    operationId: 'rotateAppSecret',
    summary: "Rotate an app's client_secret (owner or platform:admin); the new one is shown once",
    description: [
      'Issues a new `client_secret` for the app; its `client_id` stays. From now on the old secret',
      'is refused at `POST /oauth/token`, the app tokens issued with it are refused (401), and the',
      'requests the platform sends the app are signed with the new secret (`X-Signature-256`,',
      'HMAC-SHA256 keyed with the client_secret). An app registered before signatures were keyed',
      'with the client_secret keeps its SHA-256-derived key until this call.',
    ].join('\n'),
  })
  @ApiParam(CODE_NAME)
  @ApiEnvelope(CreatedAppDto, {
    message: 'app secret rotated',
    description: 'The app with its new `client_secret`, shown only in this answer',
    example: ROTATED_EXAMPLE.data,
  })
  @ApiErrors({ 403: NOT_OWNER, 404: NOT_FOUND })
  async rotateSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('app_code_name') appCodeName: string,
  ): Promise<CreatedAppDto> {
    return CreatedAppDto.withSecret(await this.apps.rotateSecret(principal, appCodeName));
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
