import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyInterceptor } from './idempotency.interceptor.js';

/** Marks a creating POST as taking an `Idempotency-Key` (SPEC §8), and documents the header. */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: IDEMPOTENCY_KEY_HEADER,
      required: false,
      schema: { type: 'string', maxLength: 255, example: '5c1d3f2e-7a8b-4c9d-9e0f-1a2b3c4d5e6f' },
      description: [
        'Makes a retry safe (the Stripe convention): a unique value (e.g. a UUID) per intended',
        'creation. A retry with the same key and the same body, within 24 h, creates nothing and',
        'gets the first answer again (status and body) with the header `Idempotent-Replayed: true`.',
        'The same key with another body, route or caller → 422 `idempotency_key_reused`; while',
        'the first request with the key is still running → 409 `idempotency_key_in_use`. Only',
        'successful (2xx) answers are kept: after an error the key may be used again. Keys are per',
        'business (per caller for a token without business).',
      ].join(' '),
    }),
  );

type ErrorDocs = Partial<Record<400 | 404 | 409 | 413 | 422, string>>;

/** A route's documented error answers, with the two an Idempotency-Key adds. */
export function withIdempotencyErrors(errors: ErrorDocs): ErrorDocs {
  const add = (existing: string | undefined, text: string) =>
    existing ? `${existing}; or ${text}` : text;
  return {
    ...errors,
    409: add(errors[409], 'idempotency_key_in_use: a request with this Idempotency-Key is running'),
    422: add(
      errors[422],
      'idempotency_key_reused: this Idempotency-Key was used for another request',
    ),
  };
}
