import { Body, Controller, Delete, Get, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ImportTargets } from '../../../import/application/import-targets.js';
import type { ImportSession } from '../../../import/domain/import-session.js';
import { ImportEndpoints } from '../../../import/http/import-endpoints.js';
import { ImportSummaryDto } from '../../../import/http/import.dto.js';
import { ImportRoutes } from '../../../import/http/import.controller.js';
import {
  BusinessScopedForApps,
  CurrentPrincipal,
  Scopes,
} from '../../../shared/auth/auth.decorators.js';
import type { Principal } from '../../../shared/auth/principal.js';
import {
  ConflictError,
  detail,
  NotFoundError,
  PreconditionFailedError,
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
import {
  Idempotent,
  withIdempotencyErrors,
} from '../../../shared/idempotency/idempotent.decorator.js';
import { UuidParam } from '../../../shared/http/uuid-param.js';
import { StartsImport } from '../../../shared/lifecycle/starts-import.js';
import type { Page } from '../../../shared/pagination.js';
import { AppImportService } from '../application/app-import.service.js';
import { ClientsService } from '../application/clients.service.js';
import { CLIENT_IMPORT_COLUMNS } from '../domain/client.js';
import {
  CLIENT_BODY_EXAMPLE,
  CLIENTS_CONFIRM_EXAMPLE,
  CLIENTS_ERRORS_CSV_EXAMPLE,
  CLIENTS_REVERT_EXAMPLE,
  CLIENTS_VALIDATE_EXAMPLE,
  ClientDto,
  ClientFieldsDto,
  ListClientsQueryDto,
} from './client.dto.js';
import { APP_IMPORT_BODY_EXAMPLE, AppImportDto, AppImportStartedDto } from './app-import.dto.js';
import { checkFieldsMapping, clientImportOptions } from './fields-mapping.js';

const ID = { name: 'id', format: 'uuid', description: 'From the create response or the list' };
const EXAMPLE_ID = 'd26fbee4-6842-464b-b486-584ce3df20d3';
const EXAMPLE_APP = 'testimportapp1700000000';
const IMPORT_PATHS = { one: '/business/clients/v1/imports' };
const NOT_FOUND = errorDoc(
  'No such client in your business',
  new NotFoundError(`client ${EXAMPLE_ID}`),
);
const EMAIL_TAKEN = errorDoc(
  'Another client of the business has this e-mail',
  new ConflictError('already_exists', 'a client with this e-mail already exists', [
    detail('email', 'already_exists', CLIENT_BODY_EXAMPLE.email),
  ]),
);

@ApiTags('clients')
@BusinessScopedForApps()
@Controller('business/clients/v1')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly imports: ImportEndpoints,
    private readonly targets: ImportTargets,
    private readonly appImports: AppImportService,
  ) {}

  /** The entity's import target, as registered with the engine. */
  private get target() {
    return this.targets.get('clients');
  }

  @Post('clients')
  @Scopes('clients:write')
  @ApiOperation({
    operationId: 'createClient',
    summary: 'Create a client (email or phone required; email unique per business)',
  })
  @ApiJsonBody(ClientFieldsDto, CLIENT_BODY_EXAMPLE)
  @Idempotent()
  @ApiEnvelope(ClientDto, { status: 201, message: 'client created' })
  @ApiErrors(withIdempotencyErrors({ 400: COMMON_ERRORS.invalidBody, 409: EMAIL_TAKEN }))
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
  @ApiOperation({ operationId: 'listClients', summary: 'List and search clients' })
  @ApiEnvelope(ClientDto, { message: 'clients', list: true })
  @ApiErrors({ 400: COMMON_ERRORS.badPage })
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
  @ApiOperation({ operationId: 'getClient', summary: 'Get a client' })
  @ApiParam(ID)
  @ApiEnvelope(ClientDto, { message: 'client' })
  @ApiErrors({ 400: COMMON_ERRORS.invalidUuid('id'), 404: NOT_FOUND })
  async get(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<ClientDto> {
    return ClientDto.from(await this.clients.get(p.businessUid!, id));
  }

  @Put('clients/:id')
  @Scopes('clients:write')
  @ApiOperation({ operationId: 'updateClient', summary: "Replace a client's fields" })
  @ApiParam(ID)
  @ApiJsonBody(ClientFieldsDto, CLIENT_BODY_EXAMPLE, 'Paste the id of an existing client')
  @ApiEnvelope(ClientDto, { message: 'client updated' })
  @ApiErrors({
    400: [COMMON_ERRORS.invalidBody, COMMON_ERRORS.invalidUuid('id')],
    404: NOT_FOUND,
    409: EMAIL_TAKEN,
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
  @ApiOperation({ operationId: 'deleteClient', summary: 'Delete a client; returns it' })
  @ApiParam(ID)
  @ApiEnvelope(ClientDto, { message: 'client deleted' })
  @ApiErrors({ 400: COMMON_ERRORS.invalidUuid('id'), 404: NOT_FOUND })
  async delete(@CurrentPrincipal() p: Principal, @UuidParam('id') id: string): Promise<ClientDto> {
    return ClientDto.from(await this.clients.delete(p.businessUid!, id));
  }

  @Post('apps/:app_code_name/import')
  // Above @Scopes: its 503 examples join the database's.
  @StartsImport()
  @Scopes('clients:import')
  @ApiOperation({
    operationId: 'startClientsAppImport',
    summary: 'Import clients from an app of type import_clients assigned to the business',
    description:
      'Opens a session (status `collecting`) and answers 201 at once. In the background the server pulls ' +
      '`GET {api_uri}?page=1,2,…&session_id=…&business_uid=…` (signed with `X-Signature-256`), validates the records ' +
      'through `fields_mapping`, confirms with `override = should_override`, calls `page=-1`, and notifies. ' +
      'Follow it with `GET /business/clients/v1/imports/{session_id}`. An app without `api_uri` ' +
      'ends the import in status `failed` (the 201 has already been given).',
  })
  @ApiParam({
    name: 'app_code_name',
    example: EXAMPLE_APP,
    description: 'An app of type import_clients, assigned to your business',
  })
  @ApiJsonBody(AppImportDto, APP_IMPORT_BODY_EXAMPLE)
  @Idempotent()
  @ApiEnvelope(AppImportStartedDto, { status: 201, message: 'clients import started' })
  @ApiErrors(
    withIdempotencyErrors({
      400: [
        invalidDoc(
          'import_params or fields_mapping breaks its rules (every problem listed)',
          'import_params.upload_type',
          'invalid_value',
          'both',
        ),
        invalidDoc(
          'fields_mapping maps neither email nor phone',
          'fields_mapping',
          'email_or_phone_required',
          { first_name: 'First Name' },
          'invalid fields_mapping',
        ),
      ],
      404: errorDoc('No such app', new NotFoundError(`app ${EXAMPLE_APP}`)),
      422: [
        errorDoc(
          'The app is not of type import_clients',
          new PreconditionFailedError(
            [detail('app_code_name', 'wrong_type', EXAMPLE_APP)],
            'the app is not of type import_clients',
          ),
        ),
        errorDoc(
          'The app is not assigned to the business',
          new PreconditionFailedError(
            [detail('app_code_name', 'not_installed', EXAMPLE_APP)],
            'the app is not installed for this business',
          ),
        ),
      ],
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
      status: 'collecting',
      app_code_name: appCodeOf(session),
      import_params: params,
      fields_mapping: fieldsMapping,
      created_at: session.snapshot.createdAt.toISOString(),
    };
  }

  @Get('imports')
  @Scopes('clients:import')
  @ApiOperation({
    operationId: 'listClientsImports',
    summary: "The business's clients imports (CSV and app), newest first",
  })
  @ApiEnvelope(ImportSummaryDto, { message: 'clients imports', list: true })
  @ApiErrors({ 400: COMMON_ERRORS.badPage })
  listImports(
    @CurrentPrincipal() p: Principal,
    @Query() query: PaginationQueryDto,
    @Req() req: Request,
  ) {
    return this.imports.list(req, {
      target: this.target,
      principal: p,
      page: query.toPageRequest(),
      paths: IMPORT_PATHS,
    });
  }
}

function appCodeOf(session: ImportSession): string {
  return session.channel.kind === 'app' ? session.channel.appCodeName : '';
}

/** Where to e-mail the staff member: the token's `email` claim, or a `sub` that is an address. */
function emailOf(principal: Principal): string | null {
  const claimed = (principal as { email?: unknown }).email;
  if (typeof claimed === 'string' && claimed.includes('@')) return claimed;
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(principal.sub) ? principal.sub : null;
}

/** The import routes of clients (CSV and app imports): template, validate, confirm, status, errors.csv, events, rows, results, cancel, undo. */
@ApiTags('clients')
@BusinessScopedForApps()
@Controller('business/clients/v1')
export class ClientImportsController extends ImportRoutes({
  entity: 'clients',
  columns: CLIENT_IMPORT_COLUMNS,
  base: '/business/clients/v1',
  one: 'imports',
  scope: 'clients:import',
  readScope: 'clients:read',
  validate: {
    summary:
      'Validate a clients CSV or Excel workbook: classify every row and keep a session for 30 minutes',
    description:
      'Columns: ' +
      CLIENT_IMPORT_COLUMNS.join(', ') +
      '. The file is a CSV or an .xlsx workbook (recognised by its content; `sheet` names the ' +
      'worksheet, else the first). `fields_mapping` (JSON: client field → header in this file) and ' +
      "`upload_type` (`single` | `multi`) are optional form fields. Warnings carry the existing client's id and a diff; " +
      'ambiguous rows carry candidates. Writes nothing but the session.',
    fields: {
      fields_mapping: {
        type: 'string',
        example: '',
        description:
          'Optional JSON object: client field → the header used in this file, e.g. ' +
          '`{"first_name":"First Name","email":"E-mail"}`. Empty: the template headers.',
      },
      upload_type: { type: 'string', enum: ['single', 'multi'], default: 'single' },
    },
    message: 'clients import validated',
    example: CLIENTS_VALIDATE_EXAMPLE,
    badRequest: [
      invalidDoc(
        'fields_mapping is not a JSON object, or upload_type is neither single nor multi',
        'fields_mapping',
        'malformed_json',
        '{first_name:',
      ),
    ],
    options: clientImportOptions,
  },
  confirm: {
    summary: 'Execute a validated clients import, row by row (non-atomic)',
    description:
      'valid → create; warning → update when `override`, else skipped `warning_not_overridden`; ambiguous → created (or updated) ' +
      'with `resolutions[row].organization_id`, else skipped `ambiguous_unresolved`; error → skipped `error`. ' +
      'A resolution that names no ambiguous row or no candidate makes the whole confirm a 400 listing every bad key. ' +
      '`resolutions`: `{"4": {"organization_id": "<one of row 4\'s candidates[].logto_id>"}}`.',
    message: 'clients imported successfully',
    example: CLIENTS_CONFIRM_EXAMPLE,
    badRequest: [
      invalidDoc(
        'A resolution names a row that is not ambiguous, or no candidate of its row',
        'resolutions.7.organization_id',
        'row_not_found',
        '5b0c4e1e-8a43-4c9e-9a55-3f0d6c1e2a10',
        'invalid resolutions',
      ),
    ],
  },
  status: {
    summary: "An import's status, progress, counters, per-row results and error",
    message: 'clients import',
  },
  errorsCsvExample: CLIENTS_ERRORS_CSV_EXAMPLE,
  revertExample: CLIENTS_REVERT_EXAMPLE,
  revertDescription:
    'Each client the import created is deleted, unless it changed since (`kept`, `modified_since`); each ' +
    'client it updated gets back, field by field, the values it had before, where the field still holds ' +
    'the imported value. CSV and app imports alike.',
}) {}
