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
    const batch = changes.map((c) => ({
      n: c.rowNumber,
      id: c.entityId,
      c: c.kind,
      b: c.kind === 'updated' ? c.before : null,
      w: c.written,
    }));
    await this.query(
      `INSERT INTO import_changes (session_id, row_number, entity_id, change, before, written)
       SELECT $1, c.n, c.id, c.c, c.b, c.w
         FROM jsonb_to_recordset($2::jsonb) AS c(n int, id uuid, c text, b jsonb, w jsonb)
       ON CONFLICT (session_id, row_number) DO NOTHING`,
      [sessionId, JSON.stringify(batch)],
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
}
