import { applyDecorators, Get, Post } from '@nestjs/common';
import {
  ApiBody,
  type ApiBodyOptions,
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  getSchemaPath,
  type SchemaObject,
} from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config.js';
import { Scopes } from '../../shared/auth/auth.decorators.js';
import type { Scope } from '../../shared/auth/principal.js';
import {
  ConflictError,
  detail,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
} from '../../shared/domain-error.js';
import {
  ApiCsvResponse,
  ApiDownloadResponse,
  ApiEnvelope,
  ApiErrors,
  ApiJsonBody,
  COMMON_ERRORS,
  type ErrorDoc,
  errorDoc,
  invalidDoc,
} from '../../shared/http/api-envelope.decorator.js';
import { RateLimited } from '../../shared/http/rate-limit.js';
import { StartsImport } from '../../shared/lifecycle/starts-import.js';
import {
  invalidXlsx,
  sheetNotFound,
  tooManyEntries,
  uncompressedTooLarge,
  unsupportedFileType,
} from '../xlsx/xlsx-errors.js';
import { XLSX_EXPANSION_FACTOR, XLSX_MAX_ENTRIES } from '../application/validate-import.js';
import { SHEET_FIELD, XLSX_CONTENT_TYPE } from './import-endpoints.js';
import { importLinks } from './import-json.js';
import {
  ConfirmImportDto,
  ConfirmResultDto,
  ImportJobDto,
  ImportStatusDto,
  ValidateResultDto,
} from './import.dto.js';

/**
 * The route declarations (path, scope, OpenAPI) that every entity's import endpoints share;
 * the handlers call `ImportEndpoints`. Each entity's controller says only what differs: its
 * scope, its texts, its examples and, for clients, the extra form fields. Operation ids read
 * `<verb><Entity>Import…` (`validateCustomersImport`).
 */

/** An entity's import, as its routes need it. */
export interface ImportRouteEntity {
  /** `customers`, `clients`: the word in operation ids. */
  name: string;
  /** The CSV columns, in template order. */
  columns: readonly string[];
}

const pascal = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
const EXAMPLE_IMPORT_ID = '3312b187-a8b0-45f5-b23a-98798b64eb31';
const IMPORT_ID = {
  name: 'import_id',
  format: 'uuid',
  description: 'The import_id of the validate response (or the session_id of an app import)',
};

const invalidImportId = COMMON_ERRORS.invalidUuid('import_id');
/** The documented limits are the defaults. */
const MAX_FILE_BYTES = new AppConfig().IMPORT_MAX_FILE_BYTES;
const importNotFound = errorDoc(
  'No such import in your business (or already purged)',
  new NotFoundError(`import ${EXAMPLE_IMPORT_ID}`),
);

/** The status of an import accepted with `Prefer: respond-async`, as the 202's data. */
function acceptedExample(
  entity: ImportRouteEntity,
  phase: 'validating' | 'confirming',
): ImportJobDto {
  const one = `${entity.name === 'customers' ? '/customers/import' : '/business/clients/v1/imports'}/${EXAMPLE_IMPORT_ID}`;
  const validated = phase === 'confirming';
  const total = validated ? 100000 : 0;
  return {
    import_id: EXAMPLE_IMPORT_ID,
    entity_type: entity.name as ImportJobDto['entity_type'],
    channel: 'csv',
    status: phase,
    total_rows: total,
    valid_rows: total,
    warning_rows: 0,
    error_rows: 0,
    ambiguous_rows: 0,
    created: 0,
    updated: 0,
    skipped: 0,
    failed: 0,
    rows_collected: total,
    rows_processed: 0,
    created_at: '2026-12-02T10:00:00.000Z',
    expires_at: '2026-12-02T10:30:00.000Z',
    completed_at: null,
    error: null,
    phase,
    progress: {
      rows_processed: 0,
      total_rows: validated ? total : null,
      total_is_estimate: !validated,
      percent: validated ? 0 : null,
    },
    started_at: '2026-12-02T10:00:00.000Z',
    updated_at: '2026-12-02T10:00:00.000Z',
    undo_until: null,
    revert: null,
    cancel_requested: false,
    links: importLinks(one),
  };
}

/**
 * `Prefer: respond-async` (RFC 7240): the request is accepted at once — 202 with the import's
 * status, `Location` of it and `Preference-Applied` — and the work goes on as a job that any
 * instance finishes; without the header the answer is the synchronous one.
 */
function RespondAsync(entity: ImportRouteEntity, phase: 'validating' | 'confirming') {
  const what = phase === 'validating' ? 'validated' : 'confirmed';
  return applyDecorators(
    ApiExtraModels(ImportJobDto),
    ApiHeader({
      name: 'Prefer',
      required: false,
      enum: ['respond-async'],
      description:
        `\`respond-async\`: answer 202 as soon as the request is accepted; the import is ${what} in the ` +
        'background by any server, followed at `Location` (or its `/events` stream). Without it the ' +
        'answer waits for the whole work, as the seed describes.',
    }),
    ApiResponse({
      status: 202,
      description: `Accepted (\`Prefer: respond-async\`): the import is ${what} in the background`,
      headers: {
        Location: { description: "The import's status", schema: { type: 'string' } },
        'Preference-Applied': { description: '`respond-async`', schema: { type: 'string' } },
      },
      content: {
        'application/json': {
          schema: {
            required: ['code', 'message', 'data'],
            properties: {
              code: { type: 'integer', example: 202 },
              message: { type: 'string', example: `${entity.name} import accepted` },
              data: { $ref: getSchemaPath(ImportJobDto) },
            },
          },
          example: {
            code: 202,
            message: `${entity.name} import accepted`,
            data: acceptedExample(entity, phase),
          },
        },
      },
    }),
  );
}

/** A multipart body with just the CSV file. */
export const CSV_UPLOAD_BODY: ApiBodyOptions = {
  schema: {
    type: 'object',
    required: ['file'],
    properties: { file: { type: 'string', format: 'binary', description: 'The CSV file' } },
  },
};
/**
 * The validate form: the file, the optional sheet, and the entity's own fields. No field is
 * prefilled with a value that would change what an untouched "Try it out" does.
 */
function uploadBody(fields: Record<string, SchemaObject> = {}) {
  return {
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description: 'The CSV or Excel workbook (.xlsx), recognised by its content',
        },
        [SHEET_FIELD]: {
          type: 'string',
          example: '',
          description:
            'Optional: the worksheet of an .xlsx to read, by name (e.g. `Clients`). Empty: the ' +
            'first visible worksheet. Ignored for a CSV.',
        },
        ...fields,
      },
    },
  };
}

export function ImportTemplateRoute(entity: ImportRouteEntity, scope: Scope) {
  const sheet = pascal(entity.name);
  return applyDecorators(
    Get('import/template'),
    Scopes(scope),
    ApiOperation({
      operationId: `get${pascal(entity.name)}ImportTemplate`,
      summary: `The template of a ${entity.name} import: a CSV header line, or an .xlsx workbook`,
      description:
        `\`format=csv\` (the default): the header line. \`format=xlsx\`: a workbook with one ` +
        `sheet \`${sheet}\` whose first row is the header and whose every column is formatted as ` +
        'text, so that leading zeros and long digit runs stay as typed.',
    }),
    ApiDownloadResponse(
      `The template as a download: \`${entity.name}-import-template.csv\` or \`.xlsx\``,
      {
        'text/csv': { schema: { type: 'string' }, example: `${entity.columns.join(',')}\r\n` },
        [XLSX_CONTENT_TYPE]: {
          schema: {
            type: 'string',
            format: 'binary',
            description: `Sheet \`${sheet}\`, row 1: ${entity.columns.join(', ')}; columns formatted as text (@)`,
          },
        },
      },
    ),
    ApiErrors({
      400: invalidDoc('format is neither csv nor xlsx', 'format', 'invalid_value', 'xls'),
    }),
  );
}

export function ValidateImportRoute(input: {
  entity: ImportRouteEntity;
  scope: Scope;
  summary: string;
  description: string;
  /** The entity's own form fields, besides `file` and `sheet`. */
  fields?: Record<string, SchemaObject>;
  message: string;
  /** The response's `data` for a small file, true to what this entity produces. */
  example: ValidateResultDto;
  /** What else than a bad file makes a 400. */
  badRequest?: ErrorDoc[];
}) {
  const { columns } = input.entity;
  return applyDecorators(
    Post('import/validate'),
    RateLimited('import_validate'),
    Scopes(input.scope),
    // After @Scopes: its 503 example joins the database's.
    StartsImport(),
    ApiOperation({
      operationId: `validate${pascal(input.entity.name)}Import`,
      summary: input.summary,
      description: input.description,
    }),
    ApiConsumes('multipart/form-data'),
    ApiBody(uploadBody(input.fields)),
    ApiEnvelope(ValidateResultDto, { message: input.message, example: input.example }),
    RespondAsync(input.entity, 'validating'),
    ApiErrors({
      400: [
        invalidDoc(
          'Columns missing or unexpected (all named, with the expected set)',
          'file',
          'missing_columns',
          columns[0],
          `missing columns: ${columns[0]}; expected: ${columns.join(', ')}`,
        ),
        invalidDoc(
          'No file, an empty file, a header only, broken quoting, too many rows',
          'file',
          'required',
          '',
          'the form has no "file" field',
        ),
        errorDoc(
          'A damaged workbook (truncated, malformed XML, missing parts)',
          invalidXlsx('the end of the ZIP directory is missing; is the file truncated?'),
        ),
        errorDoc(
          'The `sheet` field names no worksheet of the workbook (they are all listed)',
          sheetNotFound('Clients', ['Instructions', 'Customers']),
        ),
        ...(input.badRequest ?? []),
      ],
      413: [
        errorDoc(
          'The file is over IMPORT_MAX_FILE_BYTES (default 50 MiB)',
          new PayloadTooLargeError(
            [detail('file', 'file_too_large', String(MAX_FILE_BYTES))],
            `the file is larger than ${MAX_FILE_BYTES} bytes`,
          ),
        ),
        errorDoc(
          `A workbook expanding beyond ${XLSX_EXPANSION_FACTOR} × IMPORT_MAX_FILE_BYTES (a zip bomb)`,
          uncompressedTooLarge(XLSX_EXPANSION_FACTOR * MAX_FILE_BYTES),
        ),
        errorDoc(
          `A workbook of more than ${XLSX_MAX_ENTRIES} ZIP entries`,
          tooManyEntries(XLSX_MAX_ENTRIES),
        ),
      ],
      415: [
        errorDoc('A legacy Excel 97-2003 workbook (.xls)', unsupportedFileType('xls'), 'xls'),
        errorDoc('A password-protected workbook', unsupportedFileType('encrypted'), 'encrypted'),
        errorDoc('An OpenDocument spreadsheet (.ods)', unsupportedFileType('ods'), 'ods'),
      ],
    }),
  );
}

export function ConfirmImportRoute(input: {
  entity: ImportRouteEntity;
  scope: Scope;
  summary: string;
  description: string;
  message: string;
  /** The response's `data`, true to what this entity produces. */
  example: ConfirmResultDto;
  badRequest?: ErrorDoc[];
}) {
  return applyDecorators(
    Post('import/confirm'),
    Scopes(input.scope),
    StartsImport(),
    ApiOperation({
      operationId: `confirm${pascal(input.entity.name)}Import`,
      summary: input.summary,
      description: input.description,
    }),
    ApiJsonBody(
      ConfirmImportDto,
      { import_id: EXAMPLE_IMPORT_ID, override: false, resolutions: {} },
      'Paste the import_id of your validate response',
    ),
    ApiEnvelope(ConfirmResultDto, {
      message: input.message,
      example: input.example,
      description: `${input.message}; a repeated confirm answers the stored result again`,
      headers: {
        'Idempotent-Replayed': {
          description: 'Present (true) when this is the stored result of an earlier confirm',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    }),
    RespondAsync(input.entity, 'confirming'),
    ApiErrors({
      400: [
        invalidDoc(
          'import_id unknown in your business, or expired (30 min after validate)',
          'import_id',
          'not_found_or_expired',
          EXAMPLE_IMPORT_ID,
          'import not found or expired',
        ),
        ...(input.badRequest ?? []),
      ],
      403: errorDoc(
        'The import was validated by another user of the business',
        new ForbiddenError('insufficient permissions: the import was started by another user'),
        'not_the_creator',
      ),
      409: [
        errorDoc(
          'The same import is being confirmed right now',
          new ConflictError('import_in_progress', 'the import is being confirmed', [
            detail('import_id', 'import_in_progress', EXAMPLE_IMPORT_ID),
          ]),
        ),
        errorDoc(
          'The import was cancelled (or failed): it cannot be confirmed any more',
          new ConflictError('import_finished', 'the import is cancelled', [
            detail('import_id', 'import_finished', EXAMPLE_IMPORT_ID),
          ]),
        ),
      ],
    }),
  );
}

export function ImportStatusRoute(
  path: string,
  input: { entity: ImportRouteEntity; scope: Scope; summary: string; message: string },
) {
  return applyDecorators(
    Get(path),
    Scopes(input.scope),
    ApiOperation({
      operationId: `get${pascal(input.entity.name)}Import`,
      summary: input.summary,
    }),
    ApiParam(IMPORT_ID),
    ApiEnvelope(ImportStatusDto, { message: input.message }),
    ApiErrors({ 400: invalidImportId, 404: importNotFound }),
  );
}

export function ImportErrorsCsvRoute(
  path: string,
  input: { entity: ImportRouteEntity; scope: Scope; example: string },
) {
  return applyDecorators(
    Get(path),
    Scopes(input.scope),
    ApiOperation({
      operationId: `get${pascal(input.entity.name)}ImportErrorsCsv`,
      summary: 'The rows that were not imported, with reasons, as CSV',
      description:
        'The original columns plus `row_number, status, reason, errors`; cells that a spreadsheet ' +
        "would run as a formula are prefixed with `'`. Before confirm: the error rows.",
    }),
    ApiParam(IMPORT_ID),
    ApiCsvResponse('The rows not imported, as a CSV download (UTF-8 with BOM)', input.example),
    ApiErrors({ 400: invalidImportId, 404: importNotFound }),
  );
}
