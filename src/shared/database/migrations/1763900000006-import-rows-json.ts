import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An import row's detail and payload are written once, read back whole and never searched, so
 * they are kept as `json` (the text as sent, checked) rather than `jsonb`: converting every row
 * to jsonb cost PostgreSQL about a third of validate's row inserts.
 */
export class ImportRowsJson1763900000006 implements MigrationInterface {
  name = 'ImportRowsJson1763900000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE import_rows
        ALTER COLUMN detail TYPE json USING detail::json,
        ALTER COLUMN payload TYPE json USING payload::json`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE import_rows
        ALTER COLUMN detail TYPE jsonb USING detail::jsonb,
        ALTER COLUMN payload TYPE jsonb USING payload::jsonb`);
  }
}
