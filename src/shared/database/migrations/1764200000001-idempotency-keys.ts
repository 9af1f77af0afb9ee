import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Keys of creating requests (SPEC §8): one row per (scope, key), where the scope is
 * a business (or a principal without one). `status` and `response` are empty while the first
 * request runs (`claim_id` names it, `locked_until` bounds it); `response` holds the answer
 * sealed with APP_SECRET_KEY (it may carry an app's client_secret). Rows live until
 * `expires_at`, 24 h after the first request.
 */
export class IdempotencyKeys1764200000001 implements MigrationInterface {
  name = 'IdempotencyKeys1764200000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope        varchar(300) NOT NULL,
        key          varchar(255) NOT NULL,
        fingerprint  varchar(64)  NOT NULL,
        claim_id     uuid         NOT NULL,
        locked_until timestamptz  NOT NULL,
        status       smallint,
        response     text,
        created_at   timestamptz  NOT NULL DEFAULT now(),
        expires_at   timestamptz  NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
