import type { Page, PageRequest } from '../../shared/pagination.js';
import type { ImportRow, RowOutcome, RowStatus } from './import-row.js';

/** A stored row with what confirm did with it (absent until then). */
export interface StoredRow extends ImportRow<unknown> {
  outcome?: RowOutcome;
}

/** The rows validate classified: written in batches, read back by confirm and the queries. */
export abstract class ImportRowRepository {
  /** The rows of earlier batches that claimed these duplicate keys (one query). */
  abstract firstClaims(sessionId: string, keys: string[]): Promise<Map<string, number>>;
  /** One multi-row insert per batch. */
  abstract insertRows(sessionId: string, rows: ImportRow<unknown>[]): Promise<void>;
  /** A session's rows are all stored (a large load refreshes the planner's statistics). */
  abstract rowsLoaded(sessionId: string, rowCount: number): Promise<void>;
  /** Drops the rows gathered so far (a validation or a collection that starts again). */
  abstract deleteRows(sessionId: string): Promise<void>;
  abstract findRows(sessionId: string, rowNumbers: number[]): Promise<Map<number, StoredRow>>;
  /**
   * Rows without an outcome after `afterRow`, in row order. Outcomes are recorded batch by batch
   * in row order, so these are the rows after the last one that has an outcome.
   */
  abstract pendingRows(sessionId: string, afterRow: number, limit: number): Promise<StoredRow[]>;
  /** One page of rows in row order, optionally of some statuses only. */
  abstract pageRows(
    sessionId: string,
    statuses: readonly RowStatus[] | undefined,
    page: PageRequest,
  ): Promise<Page<StoredRow>>;
  /** All rows in row order with their outcomes, read in pages (errors.csv). */
  abstract streamRows(sessionId: string, pageSize?: number): AsyncIterable<StoredRow[]>;
}
