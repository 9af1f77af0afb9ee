import { Injectable } from '@nestjs/common';
import { TypeOrmTransactionRunner } from '../../shared/database/transaction-runner.js';
import { offsetOf, type Page, type PageRequest, pageOf } from '../../shared/pagination.js';
import type { ImportRow, RowOutcome, RowStatus } from '../domain/import-row.js';
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

interface RowRecord {
  row_number: number;
  status: string;
  detail: RowDetail;
  outcome: string | null;
  outcome_id: string | null;
  outcome_reason: string | null;
  outcome_error: string | null;
}

/** What import_rows.detail holds: everything about a row but its number, status and outcome. */
type RowDetail = Pick<
  ImportRow<unknown>,
  'data' | 'errors' | 'warnings' | 'payload' | 'existingId' | 'duplicateOf' | 'diff'
>;

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

const EMPTY_DETAIL: RowDetail = { data: {}, errors: [], warnings: [], payload: {} };

const toRow = (r: RowRecord): StoredRow => {
  const row: StoredRow = { rowNumber: r.row_number, status: r.status as RowStatus, ...r.detail };
  if (r.outcome === 'created' || r.outcome === 'updated') {
    row.outcome = { rowNumber: r.row_number, status: r.outcome, id: r.outcome_id! };
  } else if (r.outcome === 'skipped') {
    row.outcome = {
      rowNumber: r.row_number,
      status: 'skipped',
      reason: r.outcome_reason as 'error',
    };
  } else if (r.outcome === 'failed') {
    row.outcome = { rowNumber: r.row_number, status: 'failed', error: r.outcome_error ?? '' };
  }
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
    await this.query(`DELETE FROM import_sessions WHERE id = $1`, [id]);
  }

  async insertRows(sessionId: string, rows: ImportRow<unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const batch = rows.map((r) => ({
      n: r.rowNumber,
      s: r.status,
      k: r.claimsKey ?? null,
      d: {
        data: r.data,
        errors: r.errors,
        warnings: r.warnings,
        payload: r.payload,
        existingId: r.existingId,
        duplicateOf: r.duplicateOf,
        diff: r.diff,
      } satisfies RowDetail,
    }));
    await this.query(
      `INSERT INTO import_rows (session_id, row_number, status, detail, dup_key)
       SELECT $1, (e->>'n')::int, e->>'s', e->'d', e->>'k' FROM jsonb_array_elements($2::jsonb) AS e`,
      [sessionId, JSON.stringify(batch)],
    );
  }

  async firstClaims(sessionId: string, keys: string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.query<Array<{ dup_key: string; row_number: number }>>(
      `SELECT dup_key, row_number FROM import_rows WHERE session_id = $1 AND dup_key = ANY($2::text[])`,
      [sessionId, keys],
    );
    return new Map(rows.map((r) => [r.dup_key, r.row_number]));
  }

  async findRows(sessionId: string, rowNumbers: number[]): Promise<Map<number, StoredRow>> {
    if (rowNumbers.length === 0) return new Map();
    const rows = await this.query<RowRecord[]>(
      `SELECT * FROM import_rows WHERE session_id = $1 AND row_number = ANY($2::int[])`,
      [sessionId, rowNumbers],
    );
    return new Map(rows.map((r) => [r.row_number, toRow(r)]));
  }

  async pendingRows(sessionId: string, afterRow: number, limit: number): Promise<StoredRow[]> {
    const rows = await this.query<RowRecord[]>(
      `SELECT * FROM import_rows WHERE session_id = $1 AND row_number > $2 AND outcome IS NULL
       ORDER BY row_number LIMIT $3`,
      [sessionId, afterRow, limit],
    );
    return rows.map(toRow);
  }

  async *streamRows(sessionId: string, pageSize = 2000): AsyncIterable<StoredRow[]> {
    let after = 0;
    for (;;) {
      const rows = await this.query<RowRecord[]>(
        `SELECT * FROM import_rows WHERE session_id = $1 AND row_number > $2 ORDER BY row_number LIMIT $3`,
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
      const rows = await this.query<RowRecord[]>(
        `SELECT row_number, outcome, outcome_id, outcome_reason, outcome_error FROM import_rows
          WHERE session_id = $1 AND row_number > $2 AND outcome IS NOT NULL ORDER BY row_number LIMIT $3`,
        [sessionId, after, pageSize],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].row_number;
      yield rows.map((r) => toRow({ ...r, status: '', detail: EMPTY_DETAIL }).outcome!);
    }
  }

  async rowsLoaded(): Promise<void> {
    // A table that just grew from nothing has no statistics yet: without them the planner picks
    // a nested loop for the outcome updates, a thousand times slower at 10,000 rows.
    await this.query('ANALYZE import_rows');
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
        `UPDATE import_rows AS r
            SET outcome = o.s, outcome_id = o.id, outcome_reason = o.reason, outcome_error = o.error
           FROM jsonb_to_recordset($2::jsonb) AS o(n int, s text, id uuid, reason text, error text)
          WHERE r.session_id = $1 AND r.row_number = o.n AND r.outcome IS NULL`,
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
    await this.query(`DELETE FROM import_rows WHERE session_id = $1`, [sessionId]);
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
    const result = await this.query<[unknown[], number]>(
      `DELETE FROM import_sessions
        WHERE (status IN ('completed', 'failed') AND completed_at < $1)
           OR (status IN ('validated', 'validating', 'collecting') AND expires_at < $1)`,
      [before],
    );
    return result[1];
  }
}
