import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, detail, type ErrorDetail } from '../domain-error.js';
import type { ErrorType } from './envelope.dto.js';

export interface Envelope {
  code: number;
  message: string;
  data: Record<string, unknown>;
}

const TYPES: Record<number, ErrorType> = {
  400: 'validation_error',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'precondition_failed',
};

/** The error envelope of a status: `data` is `{type, errors}` for typed statuses, else `{}`. */
export function envelope(
  code: number,
  message: string,
  errors?: ErrorDetail[],
  type?: ErrorType,
): Envelope {
  const kind = type ?? TYPES[code];
  const data = kind ? { type: kind, errors: errors ?? [] } : {};
  return { code, message, data };
}

function isDataException(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code ?? '';
  return /^22[0-9A-Z]{3}$/.test(code);
}

/** Error codes and messages of a database that is not reachable (driver, socket, server). */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|connection error|not queryable|terminating connection|Client was closed|server closed the connection|already released|Connection is not established/i;

/** Errors that mean "the database is not reachable right now" (the error, its driver error, its cause). */
function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as
        | { code?: string; message?: string; name?: string; driverError?: unknown; cause?: unknown }
        | undefined,
      depth = 0;
    e && depth < 4;
    depth++
  ) {
    const code = e.code ?? '';
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('08')) return true;
    if (UNAVAILABLE_MESSAGES.test(`${e.name ?? ''} ${e.message ?? ''}`)) return true;
    e = (e.driverError ?? e.cause) as typeof e;
  }
  return false;
}

/** What a DomainError looks like on the wire (the Swagger examples are built with it too). */
export function domainErrorEnvelope(error: DomainError): Envelope {
  return envelope(error.status, error.message, error.errors, error.type as ErrorType | undefined);
}

export const UNAVAILABLE_MESSAGE = 'service unavailable, try again shortly';

/**
 * The one global filter (SPEC §1.1): every error leaves as the envelope; no stack, SQL or
 * internal name ever reaches a response. Unexpected errors are logged with the request id.
 */
@Catch()
export class GlobalErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Error');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request & { id?: string }>();
    const body = this.toEnvelope(exception, request);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.status(body.code).json(body);
  }

  private toEnvelope(exception: unknown, request: Request & { id?: string }): Envelope {
    if (exception instanceof DomainError) return domainErrorEnvelope(exception);
    const bodyParserError = exception as { type?: string; status?: number; expose?: boolean };
    if (bodyParserError?.type === 'entity.parse.failed') {
      return envelope(400, 'malformed request body', [detail('body', 'malformed_json', '')]);
    }
    if (bodyParserError?.type === 'entity.too.large') {
      return envelope(413, 'request body too large', [detail('body', 'too_large', '')]);
    }
    if (
      bodyParserError?.type === 'encoding.unsupported' ||
      bodyParserError?.type === 'charset.unsupported'
    ) {
      return envelope(415, 'unsupported body encoding');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) return envelope(404, `route ${request.method} ${request.path} not found`);
      if (status === 400) {
        // Raised by the framework before any DTO runs: the body itself could not be read.
        const invalid = /^invalid_body:(\w+):(.*)$/.exec(exception.message);
        if (invalid) {
          const [, code, key] = invalid;
          return code === 'null_byte'
            ? envelope(400, 'the body may not contain NUL characters', [
                detail(`body.${key}`, code, ''),
              ])
            : envelope(400, `the body may not carry a "${key}" key`, [detail('body', code, key)]);
        }
        const json = /json/i.test(exception.message);
        return envelope(400, 'malformed request body', [
          detail('body', json ? 'malformed_json' : 'malformed_request', ''),
        ]);
      }
      if (status === 413) {
        return envelope(413, 'request body too large', [detail('body', 'too_large', '')]);
      }
      if (status === 503) {
        return {
          code: 503,
          message: 'service unavailable',
          data: asObject(exception.getResponse()),
        };
      }
      if (status < 500) return envelope(status, httpMessage(exception));
    }
    if (isDataException(exception)) {
      // The database refused a value a user sent (class 22: data exception): their input, a 400.
      this.logger.warn({ err: exception, req_id: request.id }, 'data exception from user input');
      return envelope(400, 'a value was refused by the database', [
        detail('body', 'invalid_value', ''),
      ]);
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.error({ err: exception, req_id: request.id }, 'database unavailable');
      return envelope(503, UNAVAILABLE_MESSAGE);
    }
    this.logger.error({ err: exception, req_id: request.id }, 'unexpected error');
    return envelope(500, 'internal error');
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return typeof message === 'string' ? message.toLowerCase() : exception.message.toLowerCase();
}
