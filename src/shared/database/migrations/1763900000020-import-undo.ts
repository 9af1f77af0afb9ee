import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Undo (SPEC §8): confirm records, in each batch's transaction, what every row changed
 * (`import_changes`: the record's id, the values written and, for an update, the changed fields'
 * values before); undo records what it did with each row (`import_revert_outcomes`) and counts it
 * on the session. Sessions confirmed before this migration recorded nothing: `undo_recorded` is
 * false for them, so they are never offered an undo that would be wrong. Like the rows and
 * outcomes, neither table has a foreign key to its session; they are deleted with it.
 */
export class ImportUndo1763900000020 implements MigrationInterface {
  name = 'ImportUndo1763900000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE import_sessions
        ADD COLUMN deleted       integer NOT NULL DEFAULT 0,
        ADD COLUMN restored      integer NOT NULL DEFAULT 0,
        ADD COLUMN kept          integer NOT NULL DEFAULT 0,
        ADD COLUMN undo_recorded boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE import_changes (
        session_id  uuid       NOT NULL,
        row_number  integer    NOT NULL,
        entity_id   uuid       NOT NULL,
        change      varchar(8) NOT NULL,
        before      jsonb,
        written     jsonb      NOT NULL,
        PRIMARY KEY (session_id, row_number)
      )`);
    await q.query(`
      CREATE TABLE import_revert_outcomes (
        session_id  uuid        NOT NULL,
        row_number  integer     NOT NULL,
        outcome     varchar(8)  NOT NULL,
        entity_id   uuid        NOT NULL,
        reason      varchar(32),
        fields      jsonb,
        error       text,
        PRIMARY KEY (session_id, row_number)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_revert_outcomes`);
    await q.query(`DROP TABLE import_changes`);
    await q.query(`
      ALTER TABLE import_sessions
        DROP COLUMN deleted, DROP COLUMN restored, DROP COLUMN kept, DROP COLUMN undo_recorded`);
  }
}
