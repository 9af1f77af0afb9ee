import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests to apps are signed with the client_secret itself, kept sealed (AES-256-GCM) in
 * `client_secret_encrypted` (SPEC §8). Apps registered before keep their SHA-256-derived
 * `signing_key` until their secret is rotated; a row holds exactly one of the two.
 * `secret_version` grows with every rotation: app tokens carry it, so rotation revokes them.
 */
export class AppSecrets1764200000000 implements MigrationInterface {
  name = 'AppSecrets1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE apps ADD COLUMN client_secret_encrypted text`);
    await q.query(`ALTER TABLE apps ADD COLUMN secret_version integer NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE apps ALTER COLUMN signing_key DROP NOT NULL`);
    await q.query(
      `ALTER TABLE apps ADD CONSTRAINT apps_one_signing_key_check
         CHECK ((signing_key IS NULL) <> (client_secret_encrypted IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE apps DROP CONSTRAINT apps_one_signing_key_check`);
    // Apps registered since cannot get their derived key back: a random one, as in 0003.
    await q.query(
      `UPDATE apps SET signing_key = encode(sha256(gen_random_uuid()::text::bytea), 'hex')
        WHERE signing_key IS NULL`,
    );
    await q.query(`ALTER TABLE apps ALTER COLUMN signing_key SET NOT NULL`);
    await q.query(`ALTER TABLE apps DROP COLUMN secret_version`);
    await q.query(`ALTER TABLE apps DROP COLUMN client_secret_encrypted`);
  }
}
