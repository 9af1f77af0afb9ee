import { createHash } from 'node:crypto';
import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import type { Response } from 'express';
import { catchError, from, mergeMap, type Observable, of, throwError } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { SecretCipher } from '../crypto/secret-cipher.js';
import { ConflictError, detail, InvalidError, PreconditionFailedError } from '../domain-error.js';
import { type IdempotencyRecord, IdempotencyStore } from './idempotency-store.js';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';
/** How long a key is kept after its first request (SPEC §8). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** A first request not answered within this is taken to be abandoned (its instance died). */
export const IDEMPOTENCY_LOCK_SECONDS = 5 * 60;

/** 1–255 printable ASCII characters, as Stripe takes them. */
const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

/** Keys are per business; a principal without one (a platform user) has its own. */
const scopeOf = (p: Principal) =>
  p.businessUid ? `business:${p.businessUid}` : `principal:${p.sub}`;

/** Objects with sorted keys: the same body sent with its fields in another order is the same. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  );
}

/**
 * Who sent what where. The caller is part of it: another user of the business reusing a key
 * gets a 422, never the first caller's answer (which, for an app, holds its client_secret).
 */
function fingerprintOf(principal: Principal, req: AuthenticatedRequest): string {
  const what = [principal.sub, req.method, req.originalUrl, canonical(req.body ?? null)];
  return createHash('sha256').update(JSON.stringify(what)).digest('hex');
}

/**
 * The `Idempotency-Key` header of a creating POST (SPEC §8, the Stripe convention), for the
 * routes marked @Idempotent(). The key is claimed before the handler runs; a 2xx answer is
 * stored (sealed: it may hold a client_secret) and replayed to a retry with the same key and
 * the same request, with `Idempotent-Replayed: true`; any other outcome releases the key, so a
 * corrected request may use it again. Runs after the guard, before validation.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(
    private readonly store: IdempotencyStore,
    private readonly cipher: SecretCipher,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
    if (header === undefined) return next.handle();
    const key = typeof header === 'string' ? header.trim() : '';
    if (!KEY_FORMAT.test(key)) {
      throw new InvalidError(
        [detail(IDEMPOTENCY_KEY_HEADER, 'invalid_idempotency_key', header)],
        'Idempotency-Key must be 1 to 255 printable ASCII characters',
      );
    }
    const principal = req.principal!;
    const record: IdempotencyRecord = {
      scope: scopeOf(principal),
      key,
      fingerprint: fingerprintOf(principal, req),
    };
    const sealing = `idempotency ${record.scope} ${key}`;
    const claim = await this.store.claim(record, {
      ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
      lockSeconds: IDEMPOTENCY_LOCK_SECONDS,
    });
    switch (claim.outcome) {
      case 'reused':
        throw new PreconditionFailedError(
          [detail(IDEMPOTENCY_KEY_HEADER, 'idempotency_key_reused', key)],
          'this Idempotency-Key was used for another request',
        );
      case 'in_progress':
        throw new ConflictError(
          'idempotency_key_in_use',
          'a request with this Idempotency-Key is still running; retry shortly',
          [detail(IDEMPOTENCY_KEY_HEADER, 'idempotency_key_in_use', key)],
        );
      case 'replay':
        res.status(claim.status);
        res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
        return of(JSON.parse(this.cipher.open(claim.body, sealing)) as unknown);
    }
    return next.handle().pipe(
      mergeMap(async (data: unknown) => {
        const status = res.statusCode;
        const done =
          status >= 200 && status < 300
            ? this.store.complete(record, claim.claimId, {
                status,
                body: this.cipher.seal(JSON.stringify(data ?? null), sealing),
              })
            : this.store.release(record, claim.claimId);
        // The work is done either way: a key left unfinished is taken over after the lock.
        await done.catch((error: unknown) =>
          this.logger.warn({ err: error }, 'the Idempotency-Key answer was not stored'),
        );
        return data;
      }),
      catchError((error: unknown) =>
        from(
          this.store
            .release(record, claim.claimId)
            .catch((e: unknown) =>
              this.logger.warn({ err: e }, 'the Idempotency-Key was not released'),
            ),
        ).pipe(mergeMap(() => throwError(() => error))),
      ),
    );
  }
}
