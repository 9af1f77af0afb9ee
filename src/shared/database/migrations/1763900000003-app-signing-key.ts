import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The key of the signatures on the requests sent to an app: SHA-256 of its client secret. */
export class AppSigningKey1763900000003 implements MigrationInterface {
  name = 'AppSigningKey1763900000003';

  async up(q: QueryRunner): Promise<void> {
    // Apps created before have no recoverable secret: they get a random key until their secret
    // is rotated (their signatures cannot be verified by them until then).
    await q.query(`ALTER TABLE apps ADD COLUMN signing_key text`);
    await q.query(
      `UPDATE apps SET signing_key = encode(sha256(gen_random_uuid()::text::bytea), 'hex')`,
    );
    await q.query(`ALTER TABLE apps ALTER COLUMN signing_key SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE apps DROP COLUMN signing_key`);
  }
}
