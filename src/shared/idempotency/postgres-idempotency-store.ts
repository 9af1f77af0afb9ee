import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  type IdempotencyClaim,
  type IdempotencyRecord,
  IdempotencyStore,
} from './idempotency-store.js';

/**
 * Idempotency-Keys in PostgreSQL (the `idempotency_keys` table), so that every instance sees
 * them. Each statement commits on its own: a claim must be visible to the other instances while
 * its request runs, never wait inside the request's own work.
 */
@Injectable()
export class PostgresIdempotencyStore extends IdempotencyStore {
  constructor(private readonly db: DataSource) {
    super();
  }

  async claim(
    { scope, key, fingerprint }: IdempotencyRecord,
    { ttlSeconds, lockSeconds }: { ttlSeconds: number; lockSeconds: number },
  ): Promise<IdempotencyClaim> {
    // Between the two statements the row may be released or expire: then claim again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimId = randomUUID();
      // A new key, an expired one, or one whose first request was abandoned (its instance died
      // before completing) is ours; any other is left as it is.
      const claimed: unknown[] = await this.db.query(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, claim_id, locked_until, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), now() + make_interval(secs => $6))
         ON CONFLICT (scope, key) DO UPDATE
            SET fingerprint = EXCLUDED.fingerprint, claim_id = EXCLUDED.claim_id,
                locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
                status = NULL, response = NULL, created_at = now()
          WHERE idempotency_keys.expires_at <= now()
             OR (idempotency_keys.status IS NULL AND idempotency_keys.locked_until <= now())
         RETURNING claim_id`,
        [scope, key, fingerprint, claimId, lockSeconds, ttlSeconds],
      );
      if (claimed.length > 0) return { outcome: 'claimed', claimId };
      const [row] = (await this.db.query(
        `SELECT fingerprint, status, response FROM idempotency_keys
          WHERE scope = $1 AND key = $2 AND expires_at > now()`,
        [scope, key],
      )) as Array<{ fingerprint: string; status: number | null; response: string | null }>;
      if (!row) continue;
      if (row.fingerprint !== fingerprint) return { outcome: 'reused' };
      if (row.status === null || row.response === null) return { outcome: 'in_progress' };
      return { outcome: 'replay', status: row.status, body: row.response };
    }
    return { outcome: 'in_progress' };
  }

  async complete(
    { scope, key }: IdempotencyRecord,
    claimId: string,
    answer: { status: number; body: string },
  ): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys SET status = $4, response = $5
        WHERE scope = $1 AND key = $2 AND claim_id = $3`,
      [scope, key, claimId, answer.status, answer.body],
    );
  }

  async release({ scope, key }: IdempotencyRecord, claimId: string): Promise<void> {
    await this.db.query(
      `DELETE FROM idempotency_keys
        WHERE scope = $1 AND key = $2 AND claim_id = $3 AND status IS NULL`,
      [scope, key, claimId],
    );
  }

  async purgeExpired(): Promise<number> {
    const [{ purged }] = (await this.db.query(
      `WITH gone AS (DELETE FROM idempotency_keys WHERE expires_at <= now() RETURNING 1)
       SELECT count(*)::int AS purged FROM gone`,
    )) as Array<{ purged: number }>;
    return purged;
  }
}
