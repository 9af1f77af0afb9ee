import { applyDecorators, HttpCode, SetMetadata, type Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorEnvelopeDto, PageMetaDto } from './envelope.dto.js';

export const MESSAGE_KEY = 'http:message';

interface EnvelopeOptions {
  status?: number;
  message: string;
  description?: string;
  list?: boolean;
  /** A whole answer, envelope included, shown as the response's example. */
  example?: Record<string, unknown>;
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
            { properties: { items: { type: 'array', items: { $ref: getSchemaPath(model) } } } },
          ],
        }
      : { $ref: getSchemaPath(model) };
  return applyDecorators(
    SetMetadata(MESSAGE_KEY, options.message),
    HttpCode(status),
    ApiExtraModels(...(model ? [model] : []), PageMetaDto, ErrorEnvelopeDto),
    ApiResponse({
      status,
      description: options.description ?? options.message,
      schema: {
        properties: {
          code: { type: 'integer', example: status },
          message: { type: 'string', example: options.message },
          data: dataSchema,
        },
        ...(options.example ? { example: options.example } : {}),
      },
    }),
  );
}

const ERROR_RESPONSES = {
  400: ApiBadRequestResponse,
  404: ApiNotFoundResponse,
  409: ApiConflictResponse,
  413: ApiPayloadTooLargeResponse,
  422: ApiUnprocessableEntityResponse,
} as const;

/** Documents the error envelopes a route can answer with (401/403 come with @Scopes). */
export function ApiErrors(errors: Partial<Record<keyof typeof ERROR_RESPONSES, string>>) {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ERROR_RESPONSES[Number(status) as keyof typeof ERROR_RESPONSES]({
        description,
        type: ErrorEnvelopeDto,
      }),
    ),
  );
}
