import { Injectable } from '@nestjs/common';
import {
  pageQuery,
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import { type Page, type PageRequest, pageOf } from '../../shared/pagination.js';
import type { OutcomeStatus, RowOutcome, SkipReason } from '../domain/import-row.js';
import { ImportOutcomeRepository } from '../domain/import-outcome.repository.js';

export interface OutcomeRecord {
  row_number: number;
  outcome: string | null;
  entity_id: string | null;
  reason: string | null;
  error: string | null;
}

export function toOutcome(r: OutcomeRecord): RowOutcome | undefined {
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
}

const OUTCOME_COLUMNS = 'row_number, outcome, entity_id, reason, error';

/** Outcomes in `import_outcomes`, appended batch by batch in row order. */
@Injectable()
export class TypeOrmImportOutcomeRepository extends ImportOutcomeRepository {
  private readonly query: SqlQuery;

  constructor(tx: TypeOrmTransactionRunner) {
    super();
    this.query = sqlOf(tx);
  }

  async append(sessionId: string, outcomes: readonly RowOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
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
      [sessionId, JSON.stringify(batch)],
    );
  }

  async *stream(sessionId: string, pageSize = 10_000): AsyncIterable<RowOutcome[]> {
    let after = 0;
    for (;;) {
      const rows = await this.query<OutcomeRecord[]>(
        `SELECT ${OUTCOME_COLUMNS} FROM import_outcomes
          WHERE session_id = $1 AND row_number > $2 ORDER BY row_number LIMIT $3`,
        [sessionId, after, pageSize],
      );
      if (rows.length === 0) return;
      after = rows[rows.length - 1].row_number;
      yield rows.map((r) => toOutcome(r)!);
    }
  }

  async page(
    sessionId: string,
    statuses: readonly OutcomeStatus[] | undefined,
    request: PageRequest,
  ): Promise<Page<RowOutcome>> {
    const { rows, total } = await pageQuery<OutcomeRecord>(
      this.query,
      {
        select: OUTCOME_COLUMNS,
        from: `FROM import_outcomes WHERE session_id = $1
                 AND ($2::text[] IS NULL OR outcome = ANY($2::text[]))`,
        orderBy: 'row_number',
        params: [sessionId, statuses ?? null],
      },
      request,
    );
    return pageOf(
      rows.map((r) => toOutcome(r)!),
      total,
      request,
    );
  }
}
