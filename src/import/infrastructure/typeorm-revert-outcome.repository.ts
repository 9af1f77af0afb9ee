import { Injectable } from '@nestjs/common';
import {
  pageQuery,
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import { type Page, type PageRequest, pageOf } from '../../shared/pagination.js';
import type { FieldConflict, RevertOutcome, RevertStatus } from '../domain/import-change.js';
import { RevertOutcomeRepository } from '../domain/revert-outcome.repository.js';
import { ANALYZE_AFTER_ROWS } from './typeorm-import-change.repository.js';

interface RevertRecord {
  row_number: number;
  outcome: RevertStatus;
  entity_id: string;
  reason: string | null;
  fields: Record<string, FieldConflict> | null;
  error: string | null;
}

function toOutcome(r: RevertRecord): RevertOutcome {
  const row = { rowNumber: r.row_number, id: r.entity_id };
  if (r.outcome === 'restored') return { ...row, status: 'restored' };
  if (r.outcome === 'deleted')
    return r.reason === 'deleted_since'
      ? { ...row, status: 'deleted', reason: 'deleted_since' }
      : { ...row, status: 'deleted' };
  if (r.reason === 'modified_since')
    return { ...row, status: 'kept', reason: 'modified_since', fields: r.fields ?? {} };
  if (r.reason === 'referenced') return { ...row, status: 'kept', reason: 'referenced' };
  return { ...row, status: 'kept', reason: 'revert_failed', error: r.error ?? '' };
}

const COLUMNS = 'row_number, outcome, entity_id, reason, fields, error';

/** Undo's outcomes in `import_revert_outcomes`: one multi-row insert per batch. */
@Injectable()
export class TypeOrmRevertOutcomeRepository extends RevertOutcomeRepository {
  private readonly query: SqlQuery;

  constructor(tx: TypeOrmTransactionRunner) {
    super();
    this.query = sqlOf(tx);
  }

  async append(sessionId: string, outcomes: readonly RevertOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const batch = outcomes.map((o) => ({
      n: o.rowNumber,
      s: o.status,
      id: o.id,
      reason: 'reason' in o ? o.reason : null,
      fields: 'fields' in o ? o.fields : null,
      error: 'error' in o ? o.error : null,
    }));
    await this.query(
      `INSERT INTO import_revert_outcomes (session_id, row_number, outcome, entity_id, reason, fields, error)
       SELECT $1, o.n, o.s, o.id, o.reason, o.fields, o.error
         FROM jsonb_to_recordset($2::jsonb)
           AS o(n int, s text, id uuid, reason text, fields jsonb, error text)
       ON CONFLICT (session_id, row_number) DO NOTHING`,
      [sessionId, JSON.stringify(batch)],
    );
  }

  async outcomesLoaded(_sessionId: string, rowCount: number): Promise<void> {
    if (rowCount >= ANALYZE_AFTER_ROWS)
      await this.query('ANALYZE import_revert_outcomes (session_id, row_number)');
  }

  async *stream(sessionId: string, pageSize = 10_000): AsyncIterable<RevertOutcome[]> {
    let after = 0;
    for (;;) {
      const rows = await this.query<RevertRecord[]>(
        `SELECT ${COLUMNS} FROM import_revert_outcomes
          WHERE session_id = $1 AND row_number > $2 ORDER BY row_number LIMIT $3`,
        [sessionId, after, pageSize],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].row_number;
      yield rows.map(toOutcome);
    }
  }

  async page(
    sessionId: string,
    statuses: readonly RevertStatus[] | undefined,
    request: PageRequest,
  ): Promise<Page<RevertOutcome>> {
    const { rows, total } = await pageQuery<RevertRecord>(
      this.query,
      {
        select: COLUMNS,
        from: `FROM import_revert_outcomes WHERE session_id = $1
                 AND ($2::text[] IS NULL OR outcome = ANY($2::text[]))`,
        orderBy: 'row_number',
        params: [sessionId, statuses ?? null],
      },
      request,
    );
    return pageOf(rows.map(toOutcome), total, request);
  }
}
