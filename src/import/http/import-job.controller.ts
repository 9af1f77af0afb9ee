import { Get, HttpCode, Post, Query, Req, Res, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Scopes } from '../../shared/auth/auth.decorators.js';
import type { Principal, Scope } from '../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../shared/http/api-envelope.decorator.js';
import { UuidParam } from '../../shared/http/uuid-param.js';
import { ImportTargets } from '../application/import-targets.js';
import { OUTCOME_STATUSES, ROW_STATUSES } from '../domain/import-row.js';
import { ImportEndpoints, parseStatuses } from './import-endpoints.js';
import { ImportJobStatusDto, ImportResultsQueryDto, ImportRowsQueryDto } from './import-job.dto.js';
import { ImportRowDto, RowResultDto } from './import.dto.js';

const IMPORT_ID = { name: 'import_id', format: 'uuid' };

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
      operationId: `${input.entity}ImportEvents`,
      summary: "An import's progress as server-sent events",
      description:
        '`text/event-stream`: an event `progress` with the status whenever it changes (at most every 500 ms), ' +
        'then `end` with the last status once the import rests (validated, completed, failed, cancelled, ' +
        'reverted or expired). Works whichever server runs the import.',
    })
    @ApiParam(IMPORT_ID)
    @ApiProduces('text/event-stream')
    @ApiOkResponse({
      description: 'The event stream',
      content: { 'text/event-stream': { schema: { type: 'string' } } },
    })
    @ApiErrors({ 400: 'import_id is not a UUID', 404: 'No such import' })
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
      operationId: `${input.entity}ImportRows`,
      summary: 'The validated rows of an import, a page at a time',
      description: `In row order, with their errors, warnings, candidates and diff. \`status\`: ${ROW_STATUSES.join(', ')}.`,
    })
    @ApiParam(IMPORT_ID)
    @ApiEnvelope(ImportRowDto, { message: `${input.entity} import rows`, list: true })
    @ApiErrors({ 400: 'Bad status, page or page_size', 404: 'No such import' })
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
      operationId: `${input.entity}ImportResults`,
      summary: 'The outcomes of an import, a page at a time',
      description: `In row order. \`status\`: ${OUTCOME_STATUSES.join(', ')}.`,
    })
    @ApiParam(IMPORT_ID)
    @ApiEnvelope(RowResultDto, { message: `${input.entity} import results`, list: true })
    @ApiErrors({ 400: 'Bad status, page or page_size', 404: 'No such import' })
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
      operationId: `${input.entity}ImportCancel`,
      summary: 'Cancel a running validate, confirm or app pull',
      description:
        'Stops the import at its next batch boundary, whichever server runs it; rows already written stay ' +
        'written and are reported at `{one}/results`. The answer waits a few seconds for the job to stop: ' +
        "`phase` is then `cancelled` (or still running with `cancel_requested: true`). Only the import's " +
        'creator or `platform:admin`. 409 `import_finished` when it has already ended.',
    })
    @ApiParam(IMPORT_ID)
    @ApiEnvelope(ImportJobStatusDto, { message: `${input.entity} import cancelled` })
    @ApiErrors({
      400: 'import_id is not a UUID',
      404: 'No such import',
      409: 'import_finished: the import has already ended',
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
