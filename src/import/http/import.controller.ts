import { Body, Get, HttpCode, Post, Query, Req, Res, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Scopes } from '../../shared/auth/auth.decorators.js';
import type { Principal, Scope } from '../../shared/auth/principal.js';
import { ConflictError, detail, ForbiddenError, NotFoundError } from '../../shared/domain-error.js';
import {
  ApiEnvelope,
  ApiErrors,
  COMMON_ERRORS,
  errorDoc,
  invalidDoc,
} from '../../shared/http/api-envelope.decorator.js';
import { UuidParam } from '../../shared/http/uuid-param.js';
import { StartsImport } from '../../shared/lifecycle/starts-import.js';
import { ImportTargets } from '../application/import-targets.js';
import { REVERT_STATUSES } from '../domain/import-change.js';
import { OUTCOME_STATUSES, ROW_STATUSES } from '../domain/import-row.js';
import { ImportEndpoints, parseStatuses } from './import-endpoints.js';
import {
  ImportResultsQueryDto,
  ImportRevertResultsQueryDto,
  ImportRowsQueryDto,
  TemplateQueryDto,
  ValidateQueryDto,
} from './import-job.dto.js';
import {
  ConfirmImportRoute,
  ImportErrorsCsvRoute,
  ImportStatusRoute,
  ImportTemplateRoute,
  ValidateImportRoute,
} from './import-routes.js';
import {
  ConfirmImportDto,
  ImportJobDto,
  ImportRowDto,
  RevertResultDto,
  RevertRowResultDto,
  RowResultDto,
} from './import.dto.js';
import { importLinks } from './import-json.js';

const IMPORT_ID = { name: 'import_id', format: 'uuid' };
const EXAMPLE_ID = '3312b187-a8b0-45f5-b23a-98798b64eb31';
const NO_IMPORT = errorDoc(
  'No such import in your business',
  new NotFoundError(`import ${EXAMPLE_ID}`),
);
const conflict = (description: string, code: string, message: string) =>
  errorDoc(description, new ConflictError(code, message, [detail('import_id', code, EXAMPLE_ID)]));
const REVERT_CONFLICTS = [
  conflict(
    'The import is still being validated or confirmed, or is being undone right now',
    'import_in_progress',
    'the import is being undone',
  ),
  conflict(
    'The undo window (IMPORT_UNDO_SECONDS after the import ended, 7 days by default) has closed',
    'undo_expired',
    'the import could be undone until 2026-01-02T09:15:00.000Z',
  ),
  conflict(
    'The import wrote no record (never confirmed, or every row skipped or failed)',
    'nothing_to_revert',
    'the import wrote no record: there is nothing to undo',
  ),
  conflict(
    'The import was confirmed before undo was recorded',
    'undo_unavailable',
    'the import was confirmed before undo was recorded: it cannot be undone',
  ),
];

/** The status an asynchronous undo answers with (202): the undo has just begun. */
function revertingExample(one: string, entity: string) {
  const self = `${one}/${EXAMPLE_ID}`;
  return {
    import_id: EXAMPLE_ID,
    entity_type: entity as ImportJobDto['entity_type'],
    channel: 'csv',
    status: 'reverting',
    total_rows: 3,
    valid_rows: 2,
    warning_rows: 0,
    error_rows: 1,
    ambiguous_rows: 0,
    created: 2,
    updated: 0,
    skipped: 1,
    failed: 0,
    rows_collected: 3,
    rows_processed: 3,
    created_at: '2026-01-01T09:14:02.118Z',
    expires_at: '2026-01-01T09:44:02.301Z',
    completed_at: '2026-01-01T09:15:00.000Z',
    error: null,
    phase: 'reverting',
    progress: { rows_processed: 0, total_rows: 2, total_is_estimate: false, percent: 0 },
    started_at: '2026-01-01T11:00:00.000Z',
    updated_at: '2026-01-01T11:00:00.000Z',
    undo_until: null,
    revert: { deleted: 0, restored: 0, kept: 0 },
    cancel_requested: false,
    links: importLinks(self),
  } satisfies ImportJobDto;
}

const BAD_STATUS = invalidDoc(
  'An unknown status in `status`, or page/page_size out of range',
  'status',
  'invalid_value',
  'bogus',
);

/** What differs between entities on their import routes: paths, scopes, texts, examples. */
export interface ImportRoutesConfig {
  /** The entity type (its target is registered with the engine). */
  entity: string;
  /** The CSV columns, in template order. */
  columns: readonly string[];
  /** The controller's base path, e.g. `/customers` (for links). */
  base: string;
  /**
   * The path of one import under the base (e.g. `import` for `/customers/import/{id}`,
   * `imports` for `/business/clients/v1/imports/{id}`).
   */
  one: string;
  /** The scope of the import routes, and of the template. */
  scope: Scope;
  readScope: Scope;
  validate: Omit<Parameters<typeof ValidateImportRoute>[0], 'entity' | 'scope'> & {
    /** Reads the form's other fields into the target's settings and mapping (400 on bad ones). */
    options?: (fields: Record<string, string>) => {
      settings: Record<string, string>;
      fieldsMapping?: Record<string, string>;
    };
  };
  confirm: Omit<Parameters<typeof ConfirmImportRoute>[0], 'entity' | 'scope'>;
  status: { summary: string; message: string };
  errorsCsvExample: string;
  /** An undo's answer, true to what this entity produces. */
  revertExample: RevertResultDto;
  /** What undo does with this entity's records (the route's description). */
  revertDescription: string;
}

/**
 * Every import route of an entity, declared once for all (SPEC §4–6, §8): the template,
 * validate, confirm, the status, errors.csv, and under the import's own path `{one}` its event
 * stream, its rows and results a page at a time, cancel, and undo with its results. Each
 * entity's module declares one controller from this on its own base path; the handlers call
 * `ImportEndpoints`, so no import route or flow is written twice.
 */
export function ImportRoutes(input: ImportRoutesConfig): Type<object> {
  const path = `${input.one}/:import_id`;
  const pascal = input.entity[0].toUpperCase() + input.entity.slice(1);
  const paths = { one: `${input.base}/${input.one}` };
  const entity = { name: input.entity, columns: input.columns };
  const { options, ...validateRoute } = input.validate;

  @ApiExtraModels(ImportRowDto, RowResultDto, RevertRowResultDto, ImportJobDto)
  class ImportController {
    constructor(
      readonly imports: ImportEndpoints,
      readonly targets: ImportTargets,
    ) {}

    get target() {
      return this.targets.get(input.entity);
    }

    @ImportTemplateRoute(entity, input.readScope)
    async template(@Query() query: TemplateQueryDto, @Res() res: Response): Promise<void> {
      await this.imports.template(res, this.target, query.format);
    }

    @ValidateImportRoute({ ...validateRoute, entity, scope: input.scope })
    async validate(
      @CurrentPrincipal() p: Principal,
      @Query() query: ValidateQueryDto,
      @Req() req: Request,
      @Res() res: Response,
    ): Promise<void> {
      await this.imports.validate(req, res, {
        target: this.target,
        principal: p,
        paths,
        rows: query.rows,
        message: input.validate.message,
        ...(options ? { options } : {}),
      });
    }

    @ConfirmImportRoute({ ...input.confirm, entity, scope: input.scope })
    async confirm(
      @CurrentPrincipal() p: Principal,
      @Body() body: ConfirmImportDto,
      @Req() req: Request,
      @Res() res: Response,
    ): Promise<void> {
      await this.imports.confirm(req, res, {
        target: this.target,
        principal: p,
        paths,
        body,
        message: input.confirm.message,
      });
    }

    @ImportStatusRoute(path, { ...input.status, entity, scope: input.scope })
    importStatus(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Req() req: Request,
    ) {
      return this.imports.status(req, { target: this.target, principal: p, importId, paths });
    }

    @ImportErrorsCsvRoute(`${path}/errors.csv`, {
      entity,
      scope: input.scope,
      example: input.errorsCsvExample,
    })
    async errorsCsv(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Res() res: Response,
    ): Promise<void> {
      await this.imports.errorsCsv(res, { target: this.target, principal: p, importId });
    }

    @Get(`${path}/events`)
    @Scopes(input.scope)
    @ApiOperation({
      operationId: `stream${pascal}ImportEvents`,
      summary: "An import's progress as server-sent events",
      description:
        '`text/event-stream`: an event `progress` with the status whenever it changes (at most every 500 ms), ' +
        'then `end` with the last status once the import rests (validated, completed, failed, cancelled, ' +
        'reverted or expired). Works whichever server runs the import.',
    })
    @ApiParam(IMPORT_ID)
    @ApiOkResponse({
      description: 'The event stream',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    })
    @ApiErrors({ 400: COMMON_ERRORS.invalidUuid('import_id'), 404: NO_IMPORT })
    async events(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Req() req: Request,
      @Res() res: Response,
    ): Promise<void> {
      await this.imports.events(req, res, { target: this.target, principal: p, importId, paths });
    }

    @Get(`${path}/rows`)
    @Scopes(input.scope)
    @ApiOperation({
      operationId: `list${pascal}ImportRows`,
      summary: 'The validated rows of an import, a page at a time',
      description: `In row order, with their errors, warnings, candidates and diff. \`status\`: ${ROW_STATUSES.join(', ')}.`,
    })
    @ApiParam(IMPORT_ID)
    @ApiEnvelope(ImportRowDto, { message: `${input.entity} import rows`, list: true })
    @ApiErrors({ 400: [BAD_STATUS, COMMON_ERRORS.badPage], 404: NO_IMPORT })
    rows(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Query() query: ImportRowsQueryDto,
    ) {
      return this.imports.rows({
        target: this.target,
        principal: p,
        importId,
        statuses: parseStatuses(query.status, ROW_STATUSES),
        page: query.toPageRequest(),
      });
    }

    @Get(`${path}/results`)
    @Scopes(input.scope)
    @ApiOperation({
      operationId: `list${pascal}ImportResults`,
      summary: 'The outcomes of an import, a page at a time',
      description: `In row order. \`status\`: ${OUTCOME_STATUSES.join(', ')}.`,
    })
    @ApiParam(IMPORT_ID)
    @ApiEnvelope(RowResultDto, { message: `${input.entity} import results`, list: true })
    @ApiErrors({ 400: [BAD_STATUS, COMMON_ERRORS.badPage], 404: NO_IMPORT })
    results(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Query() query: ImportResultsQueryDto,
    ) {
      return this.imports.results({
        target: this.target,
        principal: p,
        importId,
        statuses: parseStatuses(query.status, OUTCOME_STATUSES),
        page: query.toPageRequest(),
      });
    }

    @Post(`${path}/cancel`)
    @HttpCode(200)
    @Scopes(input.scope)
    @ApiOperation({
      operationId: `cancel${pascal}Import`,
      summary: 'Cancel a running validate, confirm or app pull',
      description:
        'Stops the import at its next batch boundary, whichever server runs it; rows already written stay ' +
        'written and are reported at `{one}/results`. The answer waits a few seconds for the job to stop: ' +
        "`phase` is then `cancelled` (or still running with `cancel_requested: true`). Only the import's " +
        'creator or `platform:admin`. 409 `import_finished` when it has already ended.',
    })
    @ApiParam(IMPORT_ID)
    @ApiEnvelope(ImportJobDto, { message: `${input.entity} import cancelled` })
    @ApiErrors({
      400: COMMON_ERRORS.invalidUuid('import_id'),
      404: NO_IMPORT,
      409: errorDoc(
        'The import has already ended',
        new ConflictError('import_finished', 'the import is completed', [
          detail('import_id', 'import_finished', EXAMPLE_ID),
        ]),
      ),
    })
    cancel(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Req() req: Request,
    ) {
      return this.imports.cancel(req, { target: this.target, principal: p, importId, paths });
    }

    @Post(`${path}/revert`)
    @HttpCode(200)
    @Scopes(input.scope)
    @StartsImport()
    @ApiOperation({
      operationId: `revert${pascal}Import`,
      summary: 'Undo an import: delete what it created, restore what it overwrote',
      description:
        `${input.revertDescription} One result per row the import created or updated, in row order: ` +
        '`deleted`, `restored` or `kept` with a `reason` (`modified_since` with `fields` {before, imported, ' +
        'current} for the fields changed since, which are left as they are; `referenced`; `revert_failed`); ' +
        '`deleted + restored + kept` = the rows the import wrote. For a `completed`, `cancelled` or `failed` ' +
        "import that wrote rows, until its status's `undo_until` (IMPORT_UNDO_SECONDS after it ended). " +
        'Non-atomic and exactly once: a repeat answers the stored result with `Idempotent-Replayed: true`; ' +
        'an undo cut off by a crash is finished by another server. It cannot be cancelled. With ' +
        '`Prefer: respond-async`: 202 with the status (phase `reverting`, then `reverted`), the results at ' +
        "`links.revert_results`. Only the import's creator or `platform:admin`.",
    })
    @ApiParam(IMPORT_ID)
    @ApiHeader({
      name: 'Prefer',
      required: false,
      enum: ['respond-async'],
      description:
        '`respond-async`: answer 202 as soon as the undo is accepted; it runs in the background on any ' +
        'server, followed at `Location` (or its `/events` stream). Without it the answer waits for the ' +
        'whole undo.',
    })
    @ApiEnvelope(RevertResultDto, {
      message: `${input.entity} import reverted`,
      example: input.revertExample,
      description: `${input.entity} import reverted; a repeated undo answers the stored result again`,
      headers: {
        'Idempotent-Replayed': {
          description: 'Present (true) when this is the stored result of an earlier undo',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    })
    @ApiResponse({
      status: 202,
      description:
        'With `Prefer: respond-async`: the undo runs in the background; `data` is the status to follow at `Location`',
      headers: {
        'Preference-Applied': { description: 'respond-async', schema: { type: 'string' } },
        Location: { description: "The import's status path", schema: { type: 'string' } },
      },
      schema: {
        type: 'object',
        required: ['code', 'message', 'data'],
        properties: {
          code: { type: 'integer', example: 202 },
          message: { type: 'string', example: `${input.entity} import undo accepted` },
          data: { $ref: getSchemaPath(ImportJobDto) },
        },
      },
      example: {
        code: 202,
        message: `${input.entity} import undo accepted`,
        data: revertingExample(paths.one, input.entity),
      },
    })
    @ApiErrors({
      400: COMMON_ERRORS.invalidUuid('import_id'),
      403: errorDoc(
        'The import was started by another user of the business',
        new ForbiddenError('insufficient permissions: the import was started by another user'),
        'not_the_creator',
      ),
      404: NO_IMPORT,
      409: REVERT_CONFLICTS,
    })
    async revert(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Req() req: Request,
      @Res() res: Response,
    ): Promise<void> {
      await this.imports.revert(req, res, {
        target: this.target,
        principal: p,
        importId,
        paths,
        message: `${input.entity} import reverted`,
      });
    }

    @Get(`${path}/revert/results`)
    @Scopes(input.scope)
    @ApiOperation({
      operationId: `list${pascal}ImportRevertResults`,
      summary: 'What the undo of an import did, a page at a time',
      description: `In row order; empty until an undo starts. \`status\`: ${REVERT_STATUSES.join(', ')}.`,
    })
    @ApiParam(IMPORT_ID)
    @ApiEnvelope(RevertRowResultDto, {
      message: `${input.entity} import revert results`,
      list: true,
    })
    @ApiErrors({ 400: [BAD_STATUS, COMMON_ERRORS.badPage], 404: NO_IMPORT })
    revertResults(
      @CurrentPrincipal() p: Principal,
      @UuidParam('import_id') importId: string,
      @Query() query: ImportRevertResultsQueryDto,
    ) {
      return this.imports.revertResults({
        target: this.target,
        principal: p,
        importId,
        statuses: parseStatuses(query.status, REVERT_STATUSES),
        page: query.toPageRequest(),
      });
    }
  }
  return ImportController;
}
