import { Injectable } from '@nestjs/common';
import { TypeOrmTransactionRunner } from '../../shared/database/transaction-runner.js';
import { offsetOf, type Page, type PageRequest, pageOf } from '../../shared/pagination.js';
import type { ImportRow, RowOutcome, RowStatus, SkipReason } from '../domain/import-row.js';
import {
  ImportSession,
  type ImportSessionState,
  type SessionStatus,
} from '../domain/import-session.js';
import { ImportSessionRepository, type StoredRow } from '../domain/import-session.repository.js';
import type { EntityType, ImportOptions } from '../domain/import-target.js';

interface SessionRecord {
  id: string;
  business_uid: string;
  created_by: string;
  entity_type: string;
  channel: string;
  status: string;
  options: ImportOptions;
  total_rows: number;
  valid_rows: number;
  warning_rows: number;
  error_rows: number;
  ambiguous_rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  override: boolean;
  resolutions: ImportSessionState['resolutions'];
  lease_owner: string | null;
  lease_expires_at: Date | null;
  created_at: Date;
  expires_at: Date;
  confirmed_at: Date | null;
  completed_at: Date | null;
  error: string | null;
  version: number;
}

interface OutcomeRecord {
  row_number: number;
  outcome: string | null;
  entity_id: string | null;
  reason: string | null;
  error: string | null;
}

interface RowRecord extends OutcomeRecord {
  status: string;
  /** Partial (or null) where a query reads only what it needs. */
  detail: Partial<RowDetail> | null;
  payload: unknown;
  existing_id: string | null;
  duplicate_of: number | null;
}

/** What import_rows.detail holds: what answers and errors.csv show, and confirm never reads. */
type RowDetail = Pick<ImportRow<unknown>, 'data' | 'errors' | 'warnings' | 'diff'>;

/** Confirm's reads: the columns planning and writing need (warnings only for ambiguous rows). */
const PENDING_COLUMNS = `r.row_number, r.status, r.payload, r.existing_id, r.duplicate_of,
  CASE WHEN r.status = 'ambiguous' THEN json_build_object('warnings', r.detail->'warnings') END AS detail`;

/** Loads at least this large refresh the planner's statistics (see rowsLoaded). */
const ANALYZE_AFTER_ROWS = 10_000;

/** Every column of a row with its outcome, if any. */
const ROW_WITH_OUTCOME = `SELECT r.row_number, r.status, r.detail, r.payload, r.existing_id, r.duplicate_of,
  o.outcome, o.entity_id, o.reason, o.error
  FROM import_rows r
  LEFT JOIN import_outcomes o ON o.session_id = r.session_id AND o.row_number = r.row_number`;

/** Deletes the rows and outcomes of the sessions a `gone` CTE returns, in the same statement. */
const AND_THEIR_ROWS = `, rows_gone AS (DELETE FROM import_rows WHERE session_id IN (SELECT id FROM gone))
  , outcomes_gone AS (DELETE FROM import_outcomes WHERE session_id IN (SELECT id FROM gone))
  SELECT count(*)::int AS count FROM gone`;

const toState = (r: SessionRecord): ImportSessionState => ({
  id: r.id,
  businessUid: r.business_uid,
  createdBy: r.created_by,
  entityType: r.entity_type as EntityType,
  channel: r.channel as 'csv' | 'app',
  status: r.status as SessionStatus,
  options: r.options,
  counts: {
    total: r.total_rows,
    valid: r.valid_rows,
    warning: r.warning_rows,
    error: r.error_rows,
    ambiguous: r.ambiguous_rows,
  },
  outcomes: { created: r.created, updated: r.updated, skipped: r.skipped, failed: r.failed },
  override: r.override,
  resolutions: r.resolutions,
  leaseOwner: r.lease_owner,
  leaseExpiresAt: r.lease_expires_at,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  confirmedAt: r.confirmed_at,
  completedAt: r.completed_at,
  error: r.error,
  version: r.version,
});

const toOutcome = (r: OutcomeRecord): RowOutcome | undefined => {
  switch (r.outcome) {
    case 'created':
    case 'updated':
      return { rowNumber: r.row_number, status: r.outcome, id: r.entity_id! };
    case 'skipped':
      return { rowNumber: r.row_number, status: 'skipped', reason: r.reason as SkipReason };
    case 'failed':
      return { rowNumber: r.row_number, status: 'failed', error: r.error ?? '' };
    default:
      return undefined;
  }
};

const toRow = (r: RowRecord): StoredRow => {
  const row: StoredRow = {
    rowNumber: r.row_number,
    status: r.status as RowStatus,
    data: {},
    errors: [],
    warnings: [],
    ...r.detail,
    payload: r.payload,
  };
  if (r.existing_id !== null) row.existingId = r.existing_id;
  if (r.duplicate_of !== null) row.duplicateOf = r.duplicate_of;
  const outcome = toOutcome(r);
  if (outcome) row.outcome = outcome;
  return row;
};

const SESSION_COLUMNS = `id, business_uid, created_by, entity_type, channel, status, options,
  total_rows, valid_rows, warning_rows, error_rows, ambiguous_rows, created, updated, skipped, failed,
  override, resolutions, lease_owner, lease_expires_at, created_at, expires_at, confirmed_at,
  completed_at, error, version`;

const sessionValues = (s: Readonly<ImportSessionState>) => [
  s.id,
  s.businessUid,
  s.createdBy,
  s.entityType,
  s.channel,
  s.status,
  JSON.stringify(s.options),
  s.counts.total,
  s.counts.valid,
  s.counts.warning,
  s.counts.error,
  s.counts.ambiguous,
  s.outcomes.created,
  s.outcomes.updated,
  s.outcomes.skipped,
  s.outcomes.failed,
  s.override,
  JSON.stringify(s.resolutions),
  s.leaseOwner,
  s.leaseExpiresAt,
  s.createdAt,
  s.expiresAt,
  s.confirmedAt,
  s.completedAt,
  s.error,
  s.version,
];

/** Sessions and their rows in PostgreSQL, so that any instance can confirm any session. */
@Injectable()
export class TypeOrmImportSessionRepository extends ImportSessionRepository {
  constructor(private readonly tx: TypeOrmTransactionRunner) {
    super();
  }

  private query<T = unknown>(sql: string, params: unknown[] = []): Promise<T> {
    return this.tx.manager.query(sql, params) as Promise<T>;
  }

  async insert(session: ImportSession): Promise<void> {
    const placeholders = sessionValues(session.snapshot)
      .map((_, i) => `$${i + 1}`)
      .join(', ');
    await this.query(
      `INSERT INTO import_sessions (${SESSION_COLUMNS}) VALUES (${placeholders})`,
      sessionValues(session.snapshot),
    );
  }

  async save(session: ImportSession, expectedVersion: number): Promise<boolean> {
    const values = sessionValues(session.snapshot);
    const columns = SESSION_COLUMNS.split(',').map((c) => c.trim());
    const sets = columns
      .slice(1)
      .map((c, i) => `${c} = $${i + 2}`)
      .join(', ');
    const result = await this.query<[unknown[], number]>(
      `UPDATE import_sessions SET ${sets} WHERE id = $1 AND version = $${values.length + 1}`,
      [...values, expectedVersion],
    );
    return result[1] === 1;
  }

  async findById(id: string): Promise<ImportSession | null> {
    const rows = await this.query<SessionRecord[]>(
      `SELECT ${SESSION_COLUMNS} FROM import_sessions WHERE id = $1`,
      [id],
    );
    return rows.length > 0 ? ImportSession.restore(toState(rows[0])) : null;
  }

  async delete(id: string): Promise<void> {
    await this.query(
      `WITH gone AS (DELETE FROM import_sessions WHERE id = $1 RETURNING id) ${AND_THEIR_ROWS}`,
      [id],
    );
  }

  async insertRows(sessionId: string, rows: ImportRow<unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const batch = rows.map((r) => ({
      n: r.rowNumber,
      s: r.status,
      k: r.claimsKey ?? null,
      d: { data: r.data, errors: r.errors, warnings: r.warnings, diff: r.diff } satisfies RowDetail,
      p: r.payload,
      x: r.existingId ?? null,
      u: r.duplicateOf ?? null,
    }));
    await this.query(
      `INSERT INTO import_rows (session_id, row_number, status, dup_key, detail, payload, existing_id, duplicate_of)
       SELECT $1, e.n, e.s, e.k, e.d, e.p, e.x, e.u
         FROM json_to_recordset($2::json) AS e(n int, s text, k text, d json, p json, x uuid, u int)`,
      [sessionId, JSON.stringify(batch)],
    );
  }

  async firstClaims(sessionId: string, keys: string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.query<Array<{ dup_key: string; row_number: number }>>(
      // One probe of the unique (session, key) index per key, whatever the table's statistics
      // say: while a file is being loaded they describe the table before it, and a plan made
      // from them scanned every row of the session for each batch.
      `SELECT k.dup_key, r.row_number
         FROM unnest($2::text[]) AS k(dup_key)
         CROSS JOIN LATERAL (SELECT row_number FROM import_rows
                              WHERE session_id = $1 AND dup_key = k.dup_key LIMIT 1) AS r`,
      [sessionId, keys],
    );
    return new Map(rows.map((r) => [r.dup_key, r.row_number]));
  }

  async findRows(sessionId: string, rowNumbers: number[]): Promise<Map<number, StoredRow>> {
    if (rowNumbers.length === 0) return new Map();
    const rows = await this.query<RowRecord[]>(
      `${ROW_WITH_OUTCOME} WHERE r.session_id = $1 AND r.row_number = ANY($2::int[])`,
      [sessionId, rowNumbers],
    );
    return new Map(rows.map((r) => [r.row_number, toRow(r)]));
  }

  async pendingRows(sessionId: string, afterRow: number, limit: number): Promise<StoredRow[]> {
    const rows = await this.query<RowRecord[]>(
      `SELECT ${PENDING_COLUMNS} FROM import_rows r
        WHERE r.session_id = $1
          AND r.row_number > GREATEST($2, (SELECT coalesce(max(o.row_number), 0)
                                             FROM import_outcomes o WHERE o.session_id = $1))
        ORDER BY r.row_number LIMIT $3`,
      [sessionId, afterRow, limit],
    );
    return rows.map(toRow);
  }

  async *streamRows(sessionId: string, pageSize = 2000): AsyncIterable<StoredRow[]> {
    let after = 0;
    for (;;) {
      const rows = await this.query<RowRecord[]>(
        `${ROW_WITH_OUTCOME} WHERE r.session_id = $1 AND r.row_number > $2 ORDER BY r.row_number LIMIT $3`,
        [sessionId, after, pageSize],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].row_number;
      yield rows.map(toRow);
    }
  }

  async *streamOutcomes(sessionId: string, pageSize = 10_000): AsyncIterable<RowOutcome[]> {
    let after = 0;
    for (;;) {
      const rows = await this.query<OutcomeRecord[]>(
        `SELECT row_number, outcome, entity_id, reason, error FROM import_outcomes
          WHERE session_id = $1 AND row_number > $2 ORDER BY row_number LIMIT $3`,
        [sessionId, after, pageSize],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].row_number;
      yield rows.map((r) => toOutcome(r)!);
    }
  }

  async rowsLoaded(_sessionId: string, rowCount: number): Promise<void> {
    // Statistics gathered before a large load describe a table without these rows: confirm's
    // batch reads would then scan and sort every remaining row of the session, batch after
    // batch. ANALYZE samples a bounded number of rows, so it costs the same at any size.
    if (rowCount >= ANALYZE_AFTER_ROWS)
      await this.query('ANALYZE import_rows (session_id, row_number, dup_key)');
  }

  async lockForOwner(sessionId: string, owner: string): Promise<boolean> {
    const rows = await this.query<unknown[]>(
      `SELECT 1 FROM import_sessions WHERE id = $1 AND lease_owner = $2 AND status = 'confirming' FOR UPDATE`,
      [sessionId, owner],
    );
    return rows.length === 1;
  }

  async recordOutcomes(session: ImportSession, outcomes: RowOutcome[]): Promise<void> {
    const s = session.snapshot;
    if (outcomes.length > 0) {
      const batch = outcomes.map((o) => ({
        n: o.rowNumber,
        s: o.status,
        id: 'id' in o ? o.id : null,
        reason: 'reason' in o ? o.reason : null,
        error: 'error' in o ? o.error : null,
      }));
      await this.query(
        `INSERT INTO import_outcomes (session_id, row_number, outcome, entity_id, reason, error)
         SELECT $1, o.n, o.s, o.id, o.reason, o.error
           FROM json_to_recordset($2::json) AS o(n int, s text, id uuid, reason text, error text)
         ON CONFLICT (session_id, row_number) DO NOTHING`,
        [s.id, JSON.stringify(batch)],
      );
    }
    await this.query(
      `UPDATE import_sessions SET created = $2, updated = $3, skipped = $4, failed = $5, lease_expires_at = $6
        WHERE id = $1 AND lease_owner = $7`,
      [
        s.id,
        s.outcomes.created,
        s.outcomes.updated,
        s.outcomes.skipped,
        s.outcomes.failed,
        s.leaseExpiresAt,
        s.leaseOwner,
      ],
    );
  }

  async renewLease(sessionId: string, owner: string, until: Date): Promise<boolean> {
    const result = await this.query<[unknown[], number]>(
      `UPDATE import_sessions SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2 AND status IN ('confirming', 'collecting')`,
      [sessionId, owner, until],
    );
    return result[1] === 1;
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
    return pageOf(
      rows.map((r) => ImportSession.restore(toState(r))),
      total,
      request,
    );
  }

  async findCollectable(now: Date, limit: number): Promise<string[]> {
    const rows = await this.query<Array<{ id: string }>>(
      `SELECT id FROM import_sessions
        WHERE status = 'collecting' AND (lease_expires_at IS NULL OR lease_expires_at < $1)
        ORDER BY created_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  async deleteRows(sessionId: string): Promise<void> {
    await this.query(
      `WITH rows_gone AS (DELETE FROM import_rows WHERE session_id = $1)
       DELETE FROM import_outcomes WHERE session_id = $1`,
      [sessionId],
    );
  }

  async findResumable(now: Date, limit: number): Promise<string[]> {
    const rows = await this.query<Array<{ id: string }>>(
      `SELECT id FROM import_sessions WHERE status = 'confirming' AND lease_expires_at < $1
       ORDER BY lease_expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  async purge(before: Date): Promise<number> {
    const [{ count }] = await this.query<Array<{ count: number }>>(
      `WITH gone AS (
         DELETE FROM import_sessions
          WHERE (status IN ('completed', 'failed') AND completed_at < $1)
             OR (status IN ('validated', 'validating', 'collecting') AND expires_at < $1)
         RETURNING id) ${AND_THEIR_ROWS}`,
      [before],
    );
    return count;
  }
}
