import { Body, Controller, Delete, Get, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ImportEndpoints } from '../../../import/http/import-endpoints.js';
import {
  ConfirmImportRoute,
  ImportErrorsCsvRoute,
  ImportStatusRoute,
  ImportTemplateRoute,
  ValidateImportRoute,
} from '../../../import/http/import-routes.js';
import { ConfirmImportDto, ImportStatusDto } from '../../../import/http/import.dto.js';
import { BusinessScoped, CurrentPrincipal, Scopes } from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../../shared/http/api-envelope.decorator.js';
import { PaginationQueryDto } from '../../../shared/http/pagination.dto.js';
import {
  Idempotent,
  withIdempotencyErrors,
} from '../../../shared/idempotency/idempotent.decorator.js';
import { UuidParam } from '../../../shared/http/uuid-param.js';
import type { Page } from '../../../shared/pagination.js';
import { AppImportService } from '../application/app-import.service.js';
import { ClientsService } from '../application/clients.service.js';
import { CLIENT_IMPORT_COLUMNS } from '../domain/client.js';
import { ClientsImportTarget } from '../infrastructure/clients.import-target.js';
import { ClientDto, ClientFieldsDto, ListClientsQueryDto } from './client.dto.js';
import { AppImportDto, AppImportStartedDto } from './app-import.dto.js';
import { checkFieldsMapping, clientImportOptions } from './fields-mapping.js';

const ID = { name: 'id', format: 'uuid' };

@ApiTags('clients')
@ApiHeader({
  name: 'X-On-Behalf-Of',
  required: false,
  description: 'App tokens only: the business the app acts for (it must be assigned to it)',
})
@BusinessScoped()
@Controller('business/clients/v1')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly imports: ImportEndpoints,
    private readonly target: ClientsImportTarget,
    private readonly appImports: AppImportService,
  ) {}

  @Post('clients')
  @Scopes('clients:write')
  @ApiOperation({ summary: 'Create a client (email or phone required; email unique per business)' })
  @Idempotent()
  @ApiEnvelope(ClientDto, { status: 201, message: 'client created' })
  @ApiErrors(
    withIdempotencyErrors({ 400: 'Invalid body', 409: 'A client with this e-mail exists' }),
  )
  async create(
    @CurrentPrincipal() p: Principal,
    @Body() body: ClientFieldsDto,
  ): Promise<ClientDto> {
    return ClientDto.from(
      await this.clients.create(p.businessUid!, ClientFieldsDto.toFields(body)),
    );
  }

  @Get('clients')
  @Scopes('clients:read')
  @ApiOperation({ summary: 'List and search clients' })
  @ApiEnvelope(ClientDto, { message: 'clients', list: true })
  @ApiErrors({ 400: 'page or page_size out of range' })
  async list(
    @CurrentPrincipal() p: Principal,
    @Query() query: ListClientsQueryDto,
  ): Promise<Page<ClientDto>> {
    const page = await this.clients.list(
      p.businessUid!,
      query.search?.trim() || undefined,
      query.toPageRequest(),
    );
    return { ...page, items: page.items.map((c) => ClientDto.from(c)) };
  }

  @Get('clients/:id')
  @Scopes('clients:read')
  @ApiOperation({ summary: 'Get a client' })
  @ApiParam(ID)
  @ApiEnvelope(ClientDto, { message: 'client' })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'No such client' })
  async get(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<ClientDto> {
    return ClientDto.from(await this.clients.get(p.businessUid!, id));
  }

  @Put('clients/:id')
  @Scopes('clients:write')
  @ApiOperation({ summary: "Replace a client's fields" })
  @ApiParam(ID)
  @ApiEnvelope(ClientDto, { message: 'client updated' })
  @ApiErrors({
    400: 'Invalid body or id',
    404: 'No such client',
    409: "The e-mail is another client's",
  })
  async update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('id') id: string,
    @Body() body: ClientFieldsDto,
  ): Promise<ClientDto> {
    return ClientDto.from(
      await this.clients.update(p.businessUid!, id, ClientFieldsDto.toFields(body)),
    );
  }

  @Delete('clients/:id')
  @Scopes('clients:write')
  @ApiOperation({ summary: 'Delete a client; returns it' })
  @ApiParam(ID)
  @ApiEnvelope(ClientDto, { message: 'client deleted' })
  @ApiErrors({ 400: 'id is not a UUID', 404: 'No such client' })
  async delete(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<ClientDto> {
    return ClientDto.from(await this.clients.delete(p.businessUid!, id));
  }

  @Post('apps/:app_code_name/import')
  @Scopes('clients:import')
  @ApiOperation({
    summary: 'Import clients from an app of type import_clients assigned to the business',
    description:
      'Opens a session (status `collecting`) and answers 201 at once. In the background the server pulls ' +
      '`GET {api_uri}?page=1,2,…&session_id=…&business_uid=…` (signed with `X-Signature-256`), validates the records ' +
      'through `fields_mapping`, confirms with `override = should_override`, calls `page=-1`, and notifies. ' +
      'Follow it with `GET /business/clients/v1/imports/{session_id}`. ' +
      'An app acting with its own token (`X-On-Behalf-Of`) imports only through itself: naming another app is a 403.',
  })
  @ApiParam({ name: 'app_code_name', example: 'testimportapp1700000000' })
  @Idempotent()
  @ApiEnvelope(AppImportStartedDto, { status: 201, message: 'clients import started' })
  @ApiErrors(
    withIdempotencyErrors({
      400: 'Invalid import_params or fields_mapping',
      404: 'No such app',
      422: 'wrong_type (not import_clients) or not_installed (not assigned to the business)',
    }),
  )
  async importFromApp(
    @CurrentPrincipal() p: Principal,
    @Param('app_code_name') appCodeName: string,
    @Body() body: AppImportDto,
  ): Promise<AppImportStartedDto> {
    const fieldsMapping = checkFieldsMapping(body.fields_mapping);
    const params = {
      should_override: body.import_params.should_override ?? false,
      upload_type: body.import_params.upload_type,
      send_notifications_when_done: body.import_params.send_notifications_when_done ?? true,
    };
    const session = await this.appImports.start(
      { sub: p.sub, businessUid: p.businessUid!, email: emailOf(p), appId: p.app?.appId },
      {
        appCodeName,
        shouldOverride: params.should_override,
        uploadType: params.upload_type,
        sendNotificationsWhenDone: params.send_notifications_when_done,
        fieldsMapping,
      },
    );
    return {
      session_id: session.id,
      status: session.status,
      app_code_name: session.snapshot.options.appCodeName!,
      import_params: params,
      fields_mapping: fieldsMapping,
      created_at: session.snapshot.createdAt.toISOString(),
    };
  }

  @ImportTemplateRoute('clients', 'clients:read')
  template(@Res() res: Response): void {
    this.imports.template(res, this.target);
  }

  @ValidateImportRoute({
    scope: 'clients:import',
    summary: 'Validate a clients CSV: classify every row and keep a session for 30 minutes',
    description:
      'Columns: ' +
      CLIENT_IMPORT_COLUMNS.join(', ') +
      '. `fields_mapping` (JSON: client field → header in this file) and ' +
      "`upload_type` (`single` | `multi`) are optional form fields. Warnings carry the existing client's id and a diff; " +
      'ambiguous rows carry candidates. Writes nothing but the session.',
    body: {
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: { type: 'string', format: 'binary', description: 'The CSV file' },
          fields_mapping: {
            type: 'string',
            description: 'JSON object, e.g. {"first_name":"First Name","email":"E-mail"}',
          },
          upload_type: { type: 'string', enum: ['single', 'multi'], default: 'single' },
        },
      },
    },
    message: 'clients import validated',
    badRequest: 'No file, unreadable CSV, wrong columns, bad fields_mapping or upload_type',
  })
  async validate(
    @CurrentPrincipal() p: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.validate(req, res, {
      target: this.target,
      principal: p,
      message: 'clients import validated',
      options: clientImportOptions,
    });
  }

  @ConfirmImportRoute({
    scope: 'clients:import',
    summary: 'Execute a validated clients import, row by row (non-atomic)',
    description:
      'valid → create; warning → update when `override`, else skipped `warning_not_overridden`; ambiguous → created (or updated) ' +
      'with `resolutions[row].organization_id`, else skipped `ambiguous_unresolved`; error → skipped `error`. ' +
      'A resolution that names no ambiguous row or no candidate makes the whole confirm a 400 listing every bad key.',
    message: 'clients imported successfully',
    badRequest: 'import_id not found or expired, wrong entity type, or bad resolutions',
  })
  async confirm(
    @CurrentPrincipal() p: Principal,
    @Body() body: ConfirmImportDto,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.confirm(res, {
      target: this.target,
      principal: p,
      body,
      message: 'clients imported successfully',
    });
  }

  @Get('imports')
  @Scopes('clients:import')
  @ApiOperation({ summary: "The business's clients imports (CSV and app), newest first" })
  @ApiEnvelope(ImportStatusDto, { message: 'clients imports', list: true })
  @ApiErrors({ 400: 'page or page_size out of range' })
  listImports(@CurrentPrincipal() p: Principal, @Query() query: PaginationQueryDto) {
    return this.imports.list(this.target, p, query.toPageRequest());
  }

  @ImportStatusRoute('imports/:import_id', {
    scope: 'clients:import',
    summary: "An import's status, progress, counters, per-row results and error",
    message: 'clients import',
  })
  async importStatus(
    @CurrentPrincipal() p: Principal,
    @UuidParam('import_id') importId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.status(res, {
      target: this.target,
      principal: p,
      importId,
      message: 'clients import',
    });
  }

  @ImportErrorsCsvRoute('imports/:import_id/errors.csv', 'clients:import')
  async errorsCsv(
    @CurrentPrincipal() p: Principal,
    @UuidParam('import_id') importId: string,
    @Res() res: Response,
  ): Promise<void> {
    await this.imports.errorsCsv(res, { target: this.target, principal: p, importId });
  }
}

/** Where to e-mail the staff member: the token's `email` claim, or a `sub` that is an address. */
function emailOf(principal: Principal): string | null {
  const claimed = (principal as { email?: unknown }).email;
  if (typeof claimed === 'string' && claimed.includes('@')) return claimed;
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(principal.sub) ? principal.sub : null;
}
