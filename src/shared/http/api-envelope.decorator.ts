import { applyDecorators, HttpCode, SetMetadata, type Type } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import {
  detail,
  type DomainError,
  ForbiddenError,
  InvalidError,
  PayloadTooLargeError,
} from '../domain-error.js';
import { BareErrorEnvelopeDto, ErrorEnvelopeDto, PageMetaDto } from './envelope.dto.js';
import { domainErrorEnvelope, type Envelope } from './error.filter.js';

export const MESSAGE_KEY = 'http:message';

/** Every envelope carries all three keys. */
const ENVELOPE_REQUIRED = ['code', 'message', 'data'];

interface EnvelopeOptions {
  status?: number;
  message: string;
  description?: string;
  list?: boolean;
  /** The response's `data` as the example (otherwise Swagger UI assembles one from the schema). */
  example?: unknown;
  /** Response headers worth a client's attention. */
  headers?: Record<string, { description: string; schema: Record<string, unknown> }>;
}

/**
 * Declares a route's success: its status, the envelope `message`, and the Swagger schema
 * `{code, message, data}` with `data` of `model` (or a page of them with `list`).
 */
export function ApiEnvelope(model: Type | null, options: EnvelopeOptions) {
  const status = options.status ?? 200;
  const dataSchema = !model
    ? { type: 'object' }
    : options.list
      ? {
          allOf: [
            { $ref: getSchemaPath(PageMetaDto) },
            {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: { $ref: getSchemaPath(model) } } },
            },
          ],
        }
      : { $ref: getSchemaPath(model) };
  return applyDecorators(
    SetMetadata(MESSAGE_KEY, options.message),
    HttpCode(status),
    ApiExtraModels(...(model ? [model] : []), PageMetaDto),
    ApiResponse({
      status,
      description: options.description ?? options.message,
      ...(options.headers ? { headers: options.headers } : {}),
      schema: {
        type: 'object',
        required: ENVELOPE_REQUIRED,
        properties: {
          code: { type: 'integer', example: status },
          message: { type: 'string', example: options.message },
          data: dataSchema,
        },
      },
      ...(options.example === undefined
        ? {}
        : { example: { code: status, message: options.message, data: options.example } }),
    }),
  );
}

/**
 * A JSON request body of `model` whose Swagger UI prefill is `example` — a request that
 * succeeds as it stands — rather than one assembled from every property's sample value.
 * A body over the parser's 1 MB limit is a 413.
 */
export function ApiJsonBody(model: Type, example: object, description?: string) {
  return applyDecorators(
    ApiExtraModels(model),
    ApiBody({
      required: true,
      schema: { $ref: getSchemaPath(model) },
      examples: { default: { summary: description ?? 'A request that succeeds', value: example } },
    }),
    ApiErrors({
      413: errorDoc(
        'The JSON body is over 1 MB',
        new PayloadTooLargeError([detail('body', 'too_large', '')], 'request body too large'),
      ),
    }),
  );
}

/** A `text/csv` 200 (a file download); its errors stay JSON envelopes. */
export function ApiCsvResponse(description: string, example: string) {
  return ApiDownloadResponse(description, { 'text/csv': { schema: { type: 'string' }, example } });
}

/**
 * A 200 that is a file download in one of several media types (e.g. CSV or a workbook), each
 * with its schema and, for text, its true example; errors stay JSON envelopes.
 */
export function ApiDownloadResponse(
  description: string,
  content: Record<string, { schema: Record<string, unknown>; example?: string }>,
) {
  return ApiResponse({
    status: 200,
    description,
    headers: {
      'Content-Disposition': {
        description: 'attachment; filename="…"',
        schema: { type: 'string' },
      },
    },
    content,
  });
}

/** One documented error answer: when it happens, and the envelope the server then sends. */
export interface ErrorDoc {
  description: string;
  error: Envelope;
  /** The example's name in the document; by default its error code. */
  name?: string;
}

type DocumentedStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/**
 * Documents the error envelopes a route can answer with, each status with its own true
 * example (or several, by name). 401/403/503 come with @Scopes, 429 with @RateLimited.
 */
export function ApiErrors(errors: Partial<Record<DocumentedStatus, ErrorDoc | ErrorDoc[]>>) {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto, BareErrorEnvelopeDto),
    ...Object.entries(errors).map(([status, given]) => {
      const docs = Array.isArray(given) ? given : [given];
      // A route's own 403s come after the seed's plain one, whichever decorator runs first:
      // Swagger UI shows the first example.
      const examples = Number(status) === 403 ? [SCOPE_403, ...docs] : docs;
      return ApiResponse({
        status: Number(status),
        description: docs.map((d) => d.description).join('; '),
        type: 'type' in docs[0].error.data ? ErrorEnvelopeDto : BareErrorEnvelopeDto,
        examples: Object.fromEntries(
          examples.map((d) => [
            d.name ?? exampleName(d.error),
            { summary: d.error.message, value: d.error },
          ]),
        ),
      });
    }),
  );
}

const SCOPE_403 = errorDoc('The token lacks a scope the route needs', new ForbiddenError());

const BARE_NAMES: Record<number, string> = {
  401: 'invalid_token',
  403: 'insufficient_permissions',
  404: 'not_found',
  503: 'unavailable',
};

/** Named after the first error code, or after the status for a bare envelope. */
function exampleName(error: Envelope): string {
  const errors = error.data.errors as Array<{ message: string }> | undefined;
  return errors?.[0]?.message ?? BARE_NAMES[error.code] ?? String(error.code);
}

/**
 * An error answer documented from the very DomainError the code throws in that case: the
 * example is what the global filter makes of it, so its shape is the wire's.
 */
export function errorDoc(description: string, error: DomainError, name?: string): ErrorDoc {
  return { description, error: domainErrorEnvelope(error), ...(name ? { name } : {}) };
}

/** A 400 `validation_error` on one input. */
export function invalidDoc(
  description: string,
  key: string,
  code: string,
  value: unknown,
  message?: string,
): ErrorDoc {
  return errorDoc(description, new InvalidError([detail(key, code, value)], message));
}

/** The 400s every resource answers alike. */
export const COMMON_ERRORS = {
  invalidBody: invalidDoc(
    'A field breaks its rule (every offending field is listed)',
    'email',
    'invalid_email',
    'not-an-email',
  ),
  badPage: invalidDoc('page or page_size out of range', 'page_size', 'too_large', '500'),
  invalidUuid: (key: string) =>
    invalidDoc(`${key} is not a UUID`, key, 'invalid_uuid', 'not-a-uuid'),
};
