import { Injectable } from '@nestjs/common';
import {
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import type { FieldValues, ImportChange } from '../domain/import-change.js';
import { ImportChangeRepository } from '../domain/import-change.repository.js';

interface ChangeRecord {
  row_number: number;
  entity_id: string;
  change: 'created' | 'updated';
  before: FieldValues | null;
  written: FieldValues;
}

/** Logs at least this large refresh the planner's statistics before an undo reads them. */
export const ANALYZE_AFTER_ROWS = 10_000;

/** The undo log in `import_changes`: one multi-row insert per confirm batch, read backwards. */
@Injectable()
export class TypeOrmImportChangeRepository extends ImportChangeRepository {
  private readonly query: SqlQuery;

  constructor(tx: TypeOrmTransactionRunner) {
    super();
    this.query = sqlOf(tx);
  }

  async append(sessionId: string, changes: readonly ImportChange[]): Promise<void> {
    if (changes.length === 0) return;
    // The changes as they are, named in SQL by their own keys: no second object per row (a
    // 100,000-row confirm builds enough garbage as it is).
    await this.query(
      `INSERT INTO import_changes (session_id, row_number, entity_id, change, before, written)
       SELECT $1, c."rowNumber", c."entityId", c.kind, c.before, c.written
         FROM jsonb_to_recordset($2::jsonb)
           AS c("rowNumber" int, "entityId" uuid, kind text, before jsonb, written jsonb)
       ON CONFLICT (session_id, row_number) DO NOTHING`,
      [sessionId, JSON.stringify(changes)],
    );
  }

  async pendingReverts(sessionId: string, limit: number): Promise<ImportChange[]> {
    const rows = await this.query<ChangeRecord[]>(
      `SELECT row_number, entity_id, change, before, written FROM import_changes
        WHERE session_id = $1
          AND row_number < (SELECT coalesce(min(o.row_number), 2147483647)
                              FROM import_revert_outcomes o WHERE o.session_id = $1)
        ORDER BY row_number DESC LIMIT $2`,
      [sessionId, limit],
    );
    return rows.map((r) =>
      r.change === 'created'
        ? { rowNumber: r.row_number, entityId: r.entity_id, kind: 'created', written: r.written }
        : {
            rowNumber: r.row_number,
            entityId: r.entity_id,
            kind: 'updated',
            before: r.before ?? {},
            written: r.written,
          },
    );
  }

  async revertStarts(_sessionId: string, rowCount: number): Promise<void> {
    // ANALYZE samples a bounded number of rows: it costs the same at any size.
    if (rowCount >= ANALYZE_AFTER_ROWS)
      await this.query('ANALYZE import_changes (session_id, row_number)');
  }
}
