import { applyDecorators, Get, Post } from '@nestjs/common';
import {
  ApiBody,
  type ApiBodyOptions,
  ApiConsumes,
  ApiOperation,
  ApiParam,
  ApiProduces,
} from '@nestjs/swagger';
import { Scopes } from '../../shared/auth/auth.decorators.js';
import type { Scope } from '../../shared/auth/principal.js';
import { ApiEnvelope, ApiErrors } from '../../shared/http/api-envelope.decorator.js';
import { RateLimited } from '../../shared/http/rate-limit.js';
import { StartsImport } from '../../shared/lifecycle/starts-import.js';
import type { EntityType } from '../domain/import-target.js';
import { ConfirmResultDto, ImportStatusDto, ValidateResultDto } from './import.dto.js';

/**
 * The route declarations (path, scope, OpenAPI) that every entity's import endpoints share;
 * the handlers call `ImportEndpoints`. Each entity's controller says only what differs: its
 * scope, its texts and, for clients, the extra form fields.
 */

const IMPORT_ID = { name: 'import_id', format: 'uuid' };

/** A multipart body with just the CSV file. */
export const CSV_UPLOAD_BODY: ApiBodyOptions = {
  schema: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', format: 'binary', description: 'The CSV file' } },
  },
};

export function ImportTemplateRoute(entity: EntityType, scope: Scope) {
  return applyDecorators(
    Get('import/template'),
    Scopes(scope),
    ApiOperation({ summary: `The CSV template of a ${entity} import (header line only)` }),
    ApiProduces('text/csv'),
  );
}

export function ValidateImportRoute(input: {
  scope: Scope;
  summary: string;
  description: string;
  body?: ApiBodyOptions;
  message: string;
  badRequest: string;
}) {
  return applyDecorators(
    Post('import/validate'),
    StartsImport(),
    RateLimited('import_validate'),
    Scopes(input.scope),
    ApiOperation({ summary: input.summary, description: input.description }),
    ApiConsumes('multipart/form-data'),
    ApiBody(input.body ?? CSV_UPLOAD_BODY),
    ApiEnvelope(ValidateResultDto, { message: input.message }),
    ApiErrors({ 400: input.badRequest, 413: 'File too large' }),
  );
}

export function ConfirmImportRoute(input: {
  scope: Scope;
  summary: string;
  description: string;
  message: string;
  badRequest: string;
}) {
  return applyDecorators(
    Post('import/confirm'),
    StartsImport(),
    Scopes(input.scope),
    ApiOperation({ summary: input.summary, description: input.description }),
    ApiEnvelope(ConfirmResultDto, { message: input.message }),
    ApiErrors({ 400: input.badRequest, 409: 'The import is being confirmed' }),
  );
}

export function ImportStatusRoute(
  path: string,
  input: { scope: Scope; summary: string; message: string },
) {
  return applyDecorators(
    Get(path),
    Scopes(input.scope),
    ApiOperation({ summary: input.summary }),
    ApiParam(IMPORT_ID),
    ApiEnvelope(ImportStatusDto, { message: input.message }),
    ApiErrors({ 400: 'import_id is not a UUID', 404: 'No such import' }),
  );
}

export function ImportErrorsCsvRoute(path: string, scope: Scope) {
  return applyDecorators(
    Get(path),
    Scopes(scope),
    ApiOperation({ summary: 'The rows that were not imported, with reasons, as CSV' }),
    ApiParam(IMPORT_ID),
    ApiProduces('text/csv'),
    ApiErrors({ 400: 'import_id is not a UUID', 404: 'No such import' }),
  );
}
