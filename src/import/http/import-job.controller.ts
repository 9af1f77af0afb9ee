import { Get, HttpCode, Post, Query, Req, Res, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Scopes } from '../../shared/auth/auth.decorators.js';
import type { Principal, Scope } from '../../shared/auth/principal.js';
import { ConflictError, detail, NotFoundError } from '../../shared/domain-error.js';
import {
  ApiEnvelope,
  ApiErrors,
  COMMON_ERRORS,
  errorDoc,
  invalidDoc,
} from '../../shared/http/api-envelope.decorator.js';
import { UuidParam } from '../../shared/http/uuid-param.js';
import { ImportTargets } from '../application/import-targets.js';
import { OUTCOME_STATUSES, ROW_STATUSES } from '../domain/import-row.js';
import { ImportEndpoints, parseStatuses } from './import-endpoints.js';
import { ImportResultsQueryDto, ImportRowsQueryDto } from './import-job.dto.js';
import { ImportJobDto, ImportRowDto, RowResultDto } from './import.dto.js';

const IMPORT_ID = { name: 'import_id', format: 'uuid' };
const EXAMPLE_ID = '3312b187-a8b0-45f5-b23a-98798b64eb31';
const NO_IMPORT = errorDoc(
  'No such import in your business',
  new NotFoundError(`import ${EXAMPLE_ID}`),
);
const BAD_STATUS = invalidDoc(
  'An unknown status in `status`, or page/page_size out of range',
  'status',
  'invalid_value',
  'bogus',
);

/**
 * The routes under an import's own path `{one}` that every entity shares (SPEC §8): its event
 * stream, its rows and results a page at a time, and cancel. Each entity's module declares one
 * controller from this, on its own base path, so that no route is written twice.
 *
 * @param input.entity the entity type (its target is registered with the engine)
 * @param input.one the path of one import under the controller's base (e.g. `import` for
 *   `/customers/import/{id}`, `imports` for `/business/clients/v1/imports/{id}`)
 */
export function ImportJobRoutes(input: {
  entity: string;
  one: string;
  scope: Scope;
  /** The controller's base path, e.g. `/customers` (for links). */
  base: string;
}): Type<object> {
  const path = `${input.one}/:import_id`;
  const pascal = input.entity[0].toUpperCase() + input.entity.slice(1);
  const paths = { one: `${input.base}/${input.one}` };

  @ApiExtraModels(ImportRowDto, RowResultDto)
  class ImportJobController {
    constructor(
      readonly imports: ImportEndpoints,
      readonly targets: ImportTargets,
    ) {}

    get target() {
      return this.targets.get(input.entity);
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
  }
  return ImportJobController;
}
