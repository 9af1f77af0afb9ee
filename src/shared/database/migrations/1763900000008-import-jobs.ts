import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every import is a durable job (SPEC §8): its phase (the `status` column, with the new phases
 * `receiving`, `cancelled`, `reverting`, `reverted`), its progress, a cancel request, and, for an
 * asynchronous validate, the upload itself, kept in the database so that any instance can
 * validate it. Options are typed per channel; resolutions map a row to the chosen candidate.
 */
export class ImportJobs1763900000008 implements MigrationInterface {
  name = 'ImportJobs1763900000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE import_sessions
        ADD COLUMN cancel_requested_at timestamptz,
        ADD COLUMN phase_started_at    timestamptz,
        ADD COLUMN updated_at          timestamptz,
        ADD COLUMN progress_done       integer NOT NULL DEFAULT 0,
        ADD COLUMN progress_total      integer,
        ADD COLUMN progress_estimate   boolean NOT NULL DEFAULT false,
        ADD COLUMN upload_stored       boolean NOT NULL DEFAULT false,
        ADD COLUMN upload_bytes        bigint`);
    await q.query(`
      UPDATE import_sessions
         SET phase_started_at = coalesce(confirmed_at, created_at),
             updated_at = coalesce(completed_at, confirmed_at, created_at),
             progress_done = created + updated + skipped + failed,
             progress_total = total_rows`);
    await q.query(`
      ALTER TABLE import_sessions
        ALTER COLUMN phase_started_at SET NOT NULL,
        ALTER COLUMN updated_at SET NOT NULL`);
    // Options: { channel: {kind, …}, fieldsMapping?, settings }, from the flat options of before.
    await q.query(`
      UPDATE import_sessions SET options = jsonb_strip_nulls(jsonb_build_object(
        'channel', CASE WHEN channel = 'app' THEN jsonb_strip_nulls(jsonb_build_object(
                     'kind', 'app',
                     'appCodeName', options->>'appCodeName',
                     'shouldOverride', coalesce((options->>'shouldOverride')::boolean, false),
                     'sendNotificationsWhenDone',
                       coalesce((options->>'sendNotificationsWhenDone')::boolean, true),
                     'notifyEmail', options->>'notifyEmail'))
                   ELSE jsonb_build_object('kind', 'csv', 'format', 'csv') END,
        'fieldsMapping', options->'fieldsMapping',
        'settings', CASE WHEN options ? 'uploadType'
                      THEN jsonb_build_object('upload_type', options->>'uploadType')
                      ELSE '{}'::jsonb END))`);
    await q.query(`
      UPDATE import_sessions s SET resolutions = coalesce(
        (SELECT jsonb_object_agg(key, value->'organization_id') FROM jsonb_each(s.resolutions)),
        '{}'::jsonb)`);
    await q.query(`DROP INDEX import_sessions_confirming_idx`);
    await q.query(`
      CREATE INDEX import_sessions_jobs_idx ON import_sessions (status, lease_expires_at)
       WHERE status IN ('receiving', 'validating', 'collecting', 'confirming', 'reverting')`);
    await q.query(`
      CREATE TABLE import_uploads (
        session_id  uuid    NOT NULL,
        seq         integer NOT NULL,
        data        bytea   NOT NULL,
        PRIMARY KEY (session_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_uploads`);
    await q.query(`DROP INDEX import_sessions_jobs_idx`);
    await q.query(
      `CREATE INDEX import_sessions_confirming_idx ON import_sessions (lease_expires_at) WHERE status = 'confirming'`,
    );
    await q.query(`
      UPDATE import_sessions s SET resolutions = coalesce(
        (SELECT jsonb_object_agg(key, jsonb_build_object('organization_id', value))
           FROM jsonb_each(s.resolutions)), '{}'::jsonb)`);
    await q.query(`
      UPDATE import_sessions SET options = jsonb_strip_nulls(jsonb_build_object(
        'uploadType', options->'settings'->>'upload_type',
        'fieldsMapping', options->'fieldsMapping',
        'source', CASE WHEN channel = 'app' THEN 'app:' || (options->'channel'->>'appCodeName')
                       ELSE 'csv_import' END,
        'appCodeName', options->'channel'->>'appCodeName',
        'shouldOverride', options->'channel'->'shouldOverride',
        'sendNotificationsWhenDone', options->'channel'->'sendNotificationsWhenDone',
        'notifyEmail', options->'channel'->>'notifyEmail'))`);
    await q.query(`
      ALTER TABLE import_sessions
        DROP COLUMN cancel_requested_at, DROP COLUMN phase_started_at, DROP COLUMN updated_at,
        DROP COLUMN progress_done, DROP COLUMN progress_total, DROP COLUMN progress_estimate,
        DROP COLUMN upload_stored, DROP COLUMN upload_bytes`);
  }
}
