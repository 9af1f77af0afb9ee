import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Import rows are written once and read by confirm: what confirm needs (payload, the client to
 * update, the earlier row a duplicate repeats) gets columns of its own, so a batch is read
 * without the cells and issues; outcomes are appended to their own table instead of rewriting
 * every row a second time. Neither table has a foreign key to its session: one check per row
 * cost a third of the rows' insert time. The repository deletes a session's rows and outcomes
 * in the same statement as the session.
 */
export class ImportOutcomes1763900000005 implements MigrationInterface {
  name = 'ImportOutcomes1763900000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE import_outcomes (
        session_id  uuid        NOT NULL,
        row_number  integer     NOT NULL,
        outcome     varchar(8)  NOT NULL,
        entity_id   uuid,
        reason      varchar(32),
        error       text,
        PRIMARY KEY (session_id, row_number)
      )`);
    await q.query(`
      INSERT INTO import_outcomes (session_id, row_number, outcome, entity_id, reason, error)
      SELECT session_id, row_number, outcome, outcome_id, outcome_reason, outcome_error
        FROM import_rows WHERE outcome IS NOT NULL`);
    await q.query(`
      ALTER TABLE import_rows
        DROP CONSTRAINT import_rows_session_id_fkey,
        DROP COLUMN outcome, DROP COLUMN outcome_id, DROP COLUMN outcome_reason,
        DROP COLUMN outcome_error,
        ADD COLUMN payload jsonb, ADD COLUMN existing_id uuid, ADD COLUMN duplicate_of integer`);
    await q.query(`
      UPDATE import_rows
         SET payload = detail->'payload', existing_id = (detail->>'existingId')::uuid,
             duplicate_of = (detail->>'duplicateOf')::int,
             detail = detail - 'payload' - 'existingId' - 'duplicateOf'`);
    await q.query(`UPDATE import_rows SET payload = '{}' WHERE payload IS NULL`);
    await q.query(`ALTER TABLE import_rows ALTER COLUMN payload SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE import_rows
        ADD COLUMN outcome varchar(8), ADD COLUMN outcome_id uuid,
        ADD COLUMN outcome_reason varchar(32), ADD COLUMN outcome_error text`);
    await q.query(`
      UPDATE import_rows r
         SET detail = r.detail || jsonb_strip_nulls(jsonb_build_object('payload', r.payload,
               'existingId', r.existing_id, 'duplicateOf', r.duplicate_of))
    `);
    await q.query(`
      UPDATE import_rows r SET outcome = o.outcome, outcome_id = o.entity_id,
             outcome_reason = o.reason, outcome_error = o.error
        FROM import_outcomes o WHERE o.session_id = r.session_id AND o.row_number = r.row_number`);
    await q.query(
      `ALTER TABLE import_rows DROP COLUMN payload, DROP COLUMN existing_id, DROP COLUMN duplicate_of`,
    );
    await q.query(`DELETE FROM import_rows r WHERE NOT EXISTS
      (SELECT 1 FROM import_sessions s WHERE s.id = r.session_id)`);
    await q.query(`ALTER TABLE import_rows ADD CONSTRAINT import_rows_session_id_fkey
      FOREIGN KEY (session_id) REFERENCES import_sessions (id) ON DELETE CASCADE`);
    await q.query(`DROP TABLE import_outcomes`);
  }
}
