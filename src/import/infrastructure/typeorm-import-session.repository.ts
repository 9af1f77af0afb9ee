import { Injectable } from '@nestjs/common';
import {
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import { offsetOf, type Page, type PageRequest, pageOf } from '../../shared/pagination.js';
import { ImportSession } from '../domain/import-session.js';
import { ImportSessionRepository, type PurgeCutoffs } from '../domain/import-session.repository.js';
import type { EntityType } from '../domain/import-target.js';
import {
  SESSION_COLUMNS,
  type SessionRecord,
  STATE_COLUMNS,
  stateValues,
  toState,
} from './import-session.mapper.js';

/** Deletes what belongs to the sessions a `gone` CTE returns, in the same statement. */
export const AND_WHAT_THEY_HOLD = `, rows_gone AS (DELETE FROM import_rows WHERE session_id IN (SELECT id FROM gone))
  , outcomes_gone AS (DELETE FROM import_outcomes WHERE session_id IN (SELECT id FROM gone))
  , changes_gone AS (DELETE FROM import_changes WHERE session_id IN (SELECT id FROM gone))
  , reverts_gone AS (DELETE FROM import_revert_outcomes WHERE session_id IN (SELECT id FROM gone))
  , uploads_gone AS (DELETE FROM import_uploads WHERE session_id IN (SELECT id FROM gone))
  SELECT count(*)::int AS count FROM gone`;

const restore = (r: SessionRecord) => ImportSession.restore(toState(r));

/** Phases whose job a cancel may stop (a validated import is cancelled at once, under its lease). */
const CANCELLABLE = ['receiving', 'validating', 'collecting', 'validated', 'confirming'];

/** Sessions in PostgreSQL, so that any instance can work on any of them. */
@Injectable()
export class TypeOrmImportSessionRepository extends ImportSessionRepository {
  private readonly query: SqlQuery;

  constructor(tx: TypeOrmTransactionRunner) {
    super();
    this.query = sqlOf(tx);
  }

  async insert(session: ImportSession): Promise<void> {
    const values = stateValues(session.snapshot);
    await this.query(
      `INSERT INTO import_sessions (${STATE_COLUMNS.join(', ')})
       VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
      values,
    );
  }

  async save(
    session: ImportSession,
    owner: string,
    options: { release?: boolean } = {},
  ): Promise<boolean> {
    const values = stateValues(session.snapshot);
    const phase = STATE_COLUMNS.indexOf('status') + 1;
    const sets = STATE_COLUMNS.slice(1).map((c, i) => `${c} = $${i + 2}`);
    if (options.release) sets.push('lease_owner = NULL', 'lease_expires_at = NULL');
    const result = await this.query<[unknown[], number]>(
      `UPDATE import_sessions
          SET ${sets.join(', ')},
              cancel_requested_at = CASE WHEN status = CAST($${phase} AS varchar) THEN cancel_requested_at END
        WHERE id = $1 AND lease_owner = $${values.length + 1}`,
      [...values, owner],
    );
    return result[1] === 1;
  }

  async findById(id: string): Promise<ImportSession | null> {
    const rows = await this.query<SessionRecord[]>(
      `SELECT ${SESSION_COLUMNS} FROM import_sessions WHERE id = $1`,
      [id],
    );
    return rows.length > 0 ? restore(rows[0]) : null;
  }

  async delete(id: string): Promise<void> {
    await this.query(
      `WITH gone AS (DELETE FROM import_sessions WHERE id = $1 RETURNING id) ${AND_WHAT_THEY_HOLD}`,
      [id],
    );
  }

  async list(
    businessUid: string,
    entityType: EntityType,
    request: PageRequest,
  ): Promise<Page<ImportSession>> {
    const [rows, [{ total }]] = await Promise.all([
      this.query<SessionRecord[]>(
        `SELECT ${SESSION_COLUMNS} FROM import_sessions WHERE business_uid = $1 AND entity_type = $2
         ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`,
        [businessUid, entityType, request.pageSize, offsetOf(request)],
      ),
      this.query<Array<{ total: number }>>(
        `SELECT count(*)::int AS total FROM import_sessions WHERE business_uid = $1 AND entity_type = $2`,
        [businessUid, entityType],
      ),
    ]);
    return pageOf(rows.map(restore), total, request);
  }

  async requestCancel(id: string): Promise<void> {
    // Only a job that can be cancelled: an undo that started meanwhile runs to its end.
    await this.query(
      `UPDATE import_sessions SET cancel_requested_at = coalesce(cancel_requested_at, now())
        WHERE id = $1 AND status = ANY($2::text[])`,
      [id, CANCELLABLE],
    );
  }

  async purge(cutoffs: PurgeCutoffs): Promise<number> {
    // An ended import that can be undone stays until its undo window has closed too; an undone
    // one stays for the retention after its undo ended (its result can be replayed until then).
    const [{ count }] = await this.query<Array<{ count: number }>>(
      `WITH gone AS (
         DELETE FROM import_sessions
          WHERE (lease_expires_at IS NULL OR lease_expires_at < now())
            AND ((status IN ('completed', 'failed', 'cancelled') AND completed_at < $1
                  AND (completed_at < $2 OR created + updated = 0 OR NOT undo_recorded))
              OR (status = 'reverted' AND phase_started_at < $1)
              OR (status = 'validated' AND expires_at < $1))
         RETURNING id) ${AND_WHAT_THEY_HOLD}`,
      [cutoffs.endedBefore, cutoffs.undoEndedBefore],
    );
    return count;
  }
}
