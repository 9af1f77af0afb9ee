import type { ImportRow, RowOutcome } from './import-row.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import type { ImportSession } from './import-session.js';
import type { EntityType } from './import-target.js';

/** A row with what confirm did with it (absent until then). */
export interface StoredRow extends ImportRow<unknown> {
  outcome?: RowOutcome;
}

export abstract class ImportSessionRepository {
  abstract insert(session: ImportSession): Promise<void>;
  /** Saves the session if nobody changed it since `expectedVersion`; false otherwise. */
  abstract save(session: ImportSession, expectedVersion: number): Promise<boolean>;
  abstract findById(id: string): Promise<ImportSession | null>;
  abstract delete(id: string): Promise<void>;

  /** The rows of earlier batches that claimed these duplicate keys (one query). */
  abstract firstClaims(sessionId: string, keys: string[]): Promise<Map<string, number>>;
  /** One multi-row insert per batch. */
  abstract insertRows(sessionId: string, rows: ImportRow<unknown>[]): Promise<void>;
  abstract findRows(sessionId: string, rowNumbers: number[]): Promise<Map<number, StoredRow>>;
  /**
   * Rows without an outcome after `afterRow`, in row order. Outcomes are recorded batch by batch
   * in row order, so these are the rows after the last one that has an outcome.
   */
  abstract pendingRows(sessionId: string, afterRow: number, limit: number): Promise<StoredRow[]>;
  /** All rows in row order, read in pages (responses, errors.csv). */
  abstract streamRows(sessionId: string, pageSize?: number): AsyncIterable<StoredRow[]>;
  /** The outcomes only, in row order, read in pages (confirm results: no row details read). */
  abstract streamOutcomes(sessionId: string, pageSize?: number): AsyncIterable<RowOutcome[]>;

  /** A session's rows are all stored (a large load refreshes the planner's statistics). */
  abstract rowsLoaded(sessionId: string, rowCount: number): Promise<void>;
  /**
   * Inside the batch's transaction: locks the session row and checks that `owner` still holds
   * the lease; false if another instance took it over.
   */
  abstract lockForOwner(sessionId: string, owner: string): Promise<boolean>;
  /** Writes a batch's outcomes and the session's counters and lease (same transaction). */
  abstract recordOutcomes(session: ImportSession, outcomes: RowOutcome[]): Promise<void>;
  /** Heartbeat: extends the lease while `owner` holds it. */
  abstract renewLease(sessionId: string, owner: string, until: Date): Promise<boolean>;

  /** A business's sessions of one entity type, newest first. */
  abstract list(
    businessUid: string,
    entityType: EntityType,
    page: PageRequest,
  ): Promise<Page<ImportSession>>;

  /** App imports still collecting whose collector is gone (no lease, or a lapsed one). */
  abstract findCollectable(now: Date, limit: number): Promise<string[]>;
  /** Drops the rows gathered so far (a collection that starts again). */
  abstract deleteRows(sessionId: string): Promise<void>;

  /** Sessions being confirmed whose lease has lapsed (their confirmer died). */
  abstract findResumable(now: Date, limit: number): Promise<string[]>;
  /** Deletes sessions that ended or expired before `before`; returns how many. */
  abstract purge(before: Date): Promise<number>;
}
