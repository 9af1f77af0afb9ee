/** What became of a request's claim on its Idempotency-Key. */
export type IdempotencyClaim =
  /** The key is ours: run the request, then complete() or release() with this claim id. */
  | { outcome: 'claimed'; claimId: string }
  /** The key answered this same request before: here is that answer, as stored. */
  | { outcome: 'replay'; status: number; body: string }
  /** The key was used for another request (another body, route or caller). */
  | { outcome: 'reused' }
  /** The key's first request is still running. */
  | { outcome: 'in_progress' };

export interface IdempotencyRecord {
  /** Whose keys these are: a business, or a principal that has none. */
  scope: string;
  key: string;
  /** Hash of who sent what where: the same key with another fingerprint is a reuse. */
  fingerprint: string;
}

/**
 * Port: the Idempotency-Keys of creating requests (SPEC §8), shared by every instance. A key
 * is claimed before the request runs, completed with the answer when it succeeds, released
 * when it fails; it lives `ttlSeconds`. A claim not completed within `lockSeconds` (its
 * instance died) may be taken over.
 */
export abstract class IdempotencyStore {
  abstract claim(
    record: IdempotencyRecord,
    options: { ttlSeconds: number; lockSeconds: number },
  ): Promise<IdempotencyClaim>;
  abstract complete(
    record: IdempotencyRecord,
    claimId: string,
    answer: { status: number; body: string },
  ): Promise<void>;
  abstract release(record: IdempotencyRecord, claimId: string): Promise<void>;
  /** Deletes the keys past their lifetime; returns how many. */
  abstract purgeExpired(): Promise<number>;
}
