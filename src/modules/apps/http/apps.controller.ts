import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../../shared/http/api-envelope.decorator.js';
import { PaginationQueryDto } from '../../../shared/http/pagination.dto.js';
import type { Page } from '../../../shared/pagination.js';
import { AppsService } from '../application/apps.service.js';
import { AppDto, CreateAppDto, CreatedAppDto, UpdateAppDto } from './app.dto.js';

const CODE_NAME = { name: 'app_code_name', example: 'testimportapp1700000000' };

@ApiTags('apps')
@Controller('platform/v1/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Post()
  @Scopes('apps:write')
  @ApiOperation({ summary: 'Register an app; its client_secret is shown once' })
  @ApiEnvelope(CreatedAppDto, { status: 201, message: 'app created' })
  @ApiErrors({ 400: 'Invalid body', 409: 'app_code_name already exists' })
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
  @ApiOperation({ summary: 'List apps' })
  @ApiEnvelope(AppDto, { message: 'apps', list: true })
  @ApiErrors({ 400: 'page or page_size out of range' })
  async list(@Query() query: PaginationQueryDto): Promise<Page<AppDto>> {
    const page = await this.apps.list(query.toPageRequest());
    return { ...page, items: page.items.map((app) => AppDto.from(app)) };
  }

  @Get(':app_code_name')
  @Scopes('apps:read')
  @ApiOperation({ summary: 'Get an app' })
  @ApiParam(CODE_NAME)
  @ApiEnvelope(AppDto, { message: 'app' })
  @ApiErrors({ 404: 'No such app' })
  async get(@Param('app_code_name') appCodeName: string): Promise<AppDto> {
    return AppDto.from(await this.apps.get(appCodeName));
  }

  @Put(':app_code_name')
  @Scopes('apps:write')
  @ApiOperation({ summary: "Replace an app's details (owner or platform:admin)" })
  @ApiParam(CODE_NAME)
  @ApiEnvelope(AppDto, { message: 'app updated' })
  @ApiErrors({ 400: 'Invalid body', 404: 'No such app' })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('app_code_name') appCodeName: string,
    @Body() body: UpdateAppDto,
  ): Promise<AppDto> {
    return AppDto.from(await this.apps.update(principal, appCodeName, body.toDetails()));
  }

  @Delete(':app_code_name')
  @Scopes('apps:write')
  @ApiOperation({ summary: 'Delete an app (owner or platform:admin); refused while assigned' })
  @ApiParam(CODE_NAME)
  @ApiEnvelope(AppDto, { message: 'app deleted' })
  @ApiErrors({ 404: 'No such app', 409: 'The app still has assignments' })
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('app_code_name') appCodeName: string,
  ): Promise<AppDto> {
    return AppDto.from(await this.apps.delete(principal, appCodeName));
  }
}
