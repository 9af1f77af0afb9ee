/**
 * Errors are values with stable snake_case codes (ARCHITECTURE rule 6). Code below `http/`
 * throws these; the global error filter turns them into the response envelope.
 */
export interface ErrorDetail {
  key: string;
  message: string;
  value: string;
}

export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** The envelope's `data.type`; by default the one of the status (see the error filter). */
  readonly type?: string;
  constructor(
    readonly code: string,
    message: string,
    readonly errors: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 404: `message` names what was not found. */
export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

/** 409 `{type:"conflict"}`. */
export class ConflictError extends DomainError {
  readonly status = 409;
  constructor(code: string, message: string, errors: ErrorDetail[] = []) {
    super(code, message, errors);
  }
}

/** 400 `{type:"validation_error"}`: input that passed the DTO but breaks a domain rule. */
export class InvalidError extends DomainError {
  readonly status = 400;
  constructor(errors: ErrorDetail[], message = 'validation failed') {
    super('validation_error', message, errors);
  }
}

/** 401: missing, malformed, expired or wrongly signed credentials. */
export class UnauthenticatedError extends DomainError {
  readonly status = 401;
  constructor(readonly reason = 'invalid token') {
    super('invalid_token', 'invalid token');
  }
}

/** 403: a valid caller who may not do this. */
export class ForbiddenError extends DomainError {
  readonly status = 403;
  constructor(message = 'insufficient permissions') {
    super('forbidden', message);
  }
}

/** 422 `{type:"precondition_failed"}`: the request is well formed but the state forbids it. */
export class PreconditionFailedError extends DomainError {
  readonly status = 422;
  constructor(errors: ErrorDetail[], message = 'precondition failed') {
    super('precondition_failed', message, errors);
  }
}

/** 413 `{type:"payload_too_large"}`. */
export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  constructor(errors: ErrorDetail[], message = 'payload too large') {
    super('payload_too_large', message, errors);
  }
}

/**
 * 415 `{type:"unsupported_media_type"}`: a file of a kind this endpoint does not read (a legacy
 * `.xls`, an `.ods`, a password-protected workbook); `message` says what to upload instead.
 */
export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  constructor(errors: ErrorDetail[], message = 'unsupported media type') {
    super('unsupported_media_type', message, errors);
  }
}

/** 503: a dependency (the database) is unavailable; the caller may retry. */
export class UnavailableError extends DomainError {
  readonly status = 503;
  constructor(message = 'service unavailable') {
    super('unavailable', message);
  }
}

/**
 * 503 (bare, like every 503): this instance is shutting down; another one takes the work. The
 * answer carries `Retry-After`.
 */
export class ShuttingDownError extends DomainError {
  readonly status = 503;
  constructor() {
    super('shutting_down', 'this instance is shutting down: retry shortly');
  }
}

/** 429 `{type:"rate_limited"}`: more requests than the limit allows in its window. */
export class RateLimitedError extends DomainError {
  readonly status = 429;
  override readonly type = 'rate_limited';
  constructor(limit: number, windowSeconds: number) {
    super(
      'rate_limited',
      `too many requests: at most ${limit} every ${windowSeconds === 60 ? 'minute' : `${windowSeconds} s`}`,
      [detail('request', 'rate_limited', String(limit))],
    );
  }
}

export function detail(key: string, message: string, value: unknown): ErrorDetail {
  return { key, message, value: stringifyValue(value) };
}

export function stringifyValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}…` : value;
  if (typeof value === 'object') {
    try {
      const json = JSON.stringify(value);
      return json.length > 200 ? `${json.slice(0, 200)}…` : json;
    } catch {
      return '[unserialisable]';
    }
  }
  return String(value);
}
