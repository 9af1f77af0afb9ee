import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { ConflictError, detail, InvalidError, PreconditionFailedError } from '../domain-error.js';
import { ApiErrors, errorDoc } from '../http/api-envelope.decorator.js';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyInterceptor } from './idempotency.interceptor.js';

const EXAMPLE_KEY = '5c1d3f2e-7a8b-4c9d-9e0f-1a2b3c4d5e6f';

/** Marks a creating POST as taking an `Idempotency-Key` (SPEC §8), and documents the header. */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      // No example: Swagger UI would prefill it, and every "Try it out" would reuse one key.
      schema: { type: 'string', maxLength: 255 },
      description: [
        'Makes a retry safe (the Stripe convention): a unique value (e.g. a UUID such as',
        `\`${EXAMPLE_KEY}\`) per intended`,
        'creation. A retry with the same key and the same body, within 24 h, creates nothing and',
        'gets the first answer again (status and body) with the header `Idempotent-Replayed: true`.',
        'The same key with another body, route or caller → 422 `idempotency_key_reused`; while',
        'the first request with the key is still running → 409 `idempotency_key_in_use`. Only',
        'successful (2xx) answers are kept: after an error the key may be used again. Keys are per',
        'business (per caller for a token without business).',
      ].join(' '),
    }),
  );

type ErrorDocs = Parameters<typeof ApiErrors>[0];

/** The answers an Idempotency-Key adds, from the very errors the interceptor throws. */
const KEY_ERRORS = {
  400: errorDoc(
    'The Idempotency-Key is not 1 to 255 printable ASCII characters',
    new InvalidError(
      [detail(IDEMPOTENCY_KEY_HEADER, 'invalid_idempotency_key', 'é')],
      'Idempotency-Key must be 1 to 255 printable ASCII characters',
    ),
  ),
  409: errorDoc(
    'A request with this Idempotency-Key is still running',
    new ConflictError(
      'idempotency_key_in_use',
      'a request with this Idempotency-Key is still running; retry shortly',
      [detail(IDEMPOTENCY_KEY_HEADER, 'idempotency_key_in_use', EXAMPLE_KEY)],
    ),
  ),
  422: errorDoc(
    'This Idempotency-Key was used for another request (body, route or caller)',
    new PreconditionFailedError(
      [detail(IDEMPOTENCY_KEY_HEADER, 'idempotency_key_reused', EXAMPLE_KEY)],
      'this Idempotency-Key was used for another request',
    ),
  ),
};

/** A route's documented error answers, with those an Idempotency-Key adds. */
export function withIdempotencyErrors(errors: ErrorDocs): ErrorDocs {
  const add = (status: 400 | 409 | 422) => [...[errors[status] ?? []].flat(), KEY_ERRORS[status]];
  return { ...errors, 400: add(400), 409: add(409), 422: add(422) };
}
