import { Injectable } from '@nestjs/common';
import {
  pageQuery,
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import { type Page, type PageRequest, pageOf } from '../../shared/pagination.js';
import type { Ambiguity, ImportRow, RowIssue, RowStatus } from '../domain/import-row.js';
import { ImportRowRepository, type StoredRow } from '../domain/import-row.repository.js';
import { type OutcomeRecord, toOutcome } from './typeorm-import-outcome.repository.js';

interface RowRecord extends Partial<OutcomeRecord> {
  row_number: number;
  status: string;
  /** Partial (or null) where a query reads only what it needs. */
  detail: Partial<RowDetail> | null;
  payload: unknown;
  existing_id: string | null;
  duplicate_of: number | null;
}

/** What import_rows.detail holds: what answers and errors.csv show, and confirm never reads. */
type RowDetail = Pick<ImportRow<unknown>, 'data' | 'errors' | 'warnings' | 'ambiguities' | 'diff'>;

/** Confirm's reads: the columns planning and writing need (warnings only for ambiguous rows). */
const PENDING_COLUMNS = `r.row_number, r.status, r.payload, r.existing_id, r.duplicate_of,
  CASE WHEN r.status = 'ambiguous' THEN json_build_object('warnings', r.detail->'warnings') END AS detail`;

/** Loads at least this large refresh the planner's statistics (see rowsLoaded). */
const ANALYZE_AFTER_ROWS = 10_000;

/** Every column of a row with its outcome, if any. */
const ROW_COLUMNS = `r.row_number, r.status, r.detail, r.payload, r.existing_id, r.duplicate_of,
  o.outcome, o.entity_id, o.reason, o.error`;
const ROWS_WITH_OUTCOMES = `FROM import_rows r
  LEFT JOIN import_outcomes o ON o.session_id = r.session_id AND o.row_number = r.row_number`;
const ROW_WITH_OUTCOME = `SELECT ${ROW_COLUMNS} ${ROWS_WITH_OUTCOMES}`;

/**
 * Rows stored before ambiguity had a kind of its own carried it as an error whose message is
 * `ambiguous`; they read back as ambiguities.
 */
function splitLegacy(detail: Partial<RowDetail>): Pick<RowDetail, 'errors' | 'ambiguities'> {
  const errors: RowIssue[] = [];
  const ambiguities: Ambiguity[] = [...(detail.ambiguities ?? [])];
  for (const issue of (detail.errors ?? []) as Array<
    RowIssue & { candidates?: Array<{ logto_id: string; name: string; type: string }> }
  >) {
    if (issue.message === 'ambiguous' && issue.candidates) {
      ambiguities.push({
        field: issue.field,
        ...(issue.values ? { values: issue.values } : {}),
        candidates: issue.candidates.map((c) => ({ id: c.logto_id, name: c.name, kind: c.type })),
      });
    } else errors.push(issue);
  }
  return { errors, ambiguities };
}

function toRow(r: RowRecord): StoredRow {
  const detail = r.detail ?? {};
  const row: StoredRow = {
    rowNumber: r.row_number,
    status: r.status as RowStatus,
    data: detail.data ?? {},
    warnings: detail.warnings ?? [],
    ...splitLegacy(detail),
    ...(detail.diff ? { diff: detail.diff } : {}),
    payload: r.payload,
  };
  if (r.existing_id !== null) row.existingId = r.existing_id;
  if (r.duplicate_of !== null) row.duplicateOf = r.duplicate_of;
  const outcome = r.outcome !== undefined ? toOutcome(r as OutcomeRecord) : undefined;
  if (outcome) row.outcome = outcome;
  return row;
}

/** A session's rows in `import_rows`: one multi-row statement per batch, read in pages. */
@Injectable()
export class TypeOrmImportRowRepository extends ImportRowRepository {
  private readonly query: SqlQuery;

  constructor(tx: TypeOrmTransactionRunner) {
    super();
    this.query = sqlOf(tx);
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
        ambiguities: r.ambiguities,
        diff: r.diff,
      } satisfies RowDetail,
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

  async rowsLoaded(_sessionId: string, rowCount: number): Promise<void> {
    // Statistics gathered before a large load describe a table without these rows: confirm's
    // batch reads would then scan and sort every remaining row of the session, batch after
    // batch. ANALYZE samples a bounded number of rows, so it costs the same at any size.
    if (rowCount >= ANALYZE_AFTER_ROWS)
      await this.query('ANALYZE import_rows (session_id, row_number, dup_key)');
  }

  async deleteRows(sessionId: string): Promise<void> {
    await this.query(
      `WITH rows_gone AS (DELETE FROM import_rows WHERE session_id = $1)
       DELETE FROM import_outcomes WHERE session_id = $1`,
      [sessionId],
    );
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

  async pageRows(
    sessionId: string,
    statuses: readonly RowStatus[] | undefined,
    request: PageRequest,
  ): Promise<Page<StoredRow>> {
    const { rows, total } = await pageQuery<RowRecord>(
      this.query,
      {
        select: ROW_COLUMNS,
        from: `${ROWS_WITH_OUTCOMES} WHERE r.session_id = $1
                 AND ($2::text[] IS NULL OR r.status = ANY($2::text[]))`,
        orderBy: 'r.row_number',
        params: [sessionId, statuses ?? null],
      },
      request,
    );
    return pageOf(rows.map(toRow), total, request);
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
}
