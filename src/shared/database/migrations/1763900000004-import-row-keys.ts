import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * In-file duplicates are found in the database, batch by batch, rather than in a map that
 * would grow with the file: the first row that claims a key (a VAT, an e-mail) records it.
 */
export class ImportRowKeys1763900000004 implements MigrationInterface {
  name = 'ImportRowKeys1763900000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE import_rows ADD COLUMN dup_key text`);
    await q.query(
      `CREATE UNIQUE INDEX import_rows_dup_key_idx ON import_rows (session_id, dup_key) WHERE dup_key IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX import_rows_dup_key_idx`);
    await q.query(`ALTER TABLE import_rows DROP COLUMN dup_key`);
  }
}
