import type { ImportChange } from './import-change.js';

/**
 * What confirm changed, row by row (the undo log): appended by confirm in each batch's
 * transaction, read back by undo. Kept with the session, and purged with it.
 */
export abstract class ImportChangeRepository {
  /** Appends a batch's changes (inside the batch's transaction). */
  abstract append(sessionId: string, changes: readonly ImportChange[]): Promise<void>;
  /**
   * The next rows to undo, last row first: the rows before the earliest one that has a revert
   * outcome (undo records its outcomes batch by batch, from the last row back).
   */
  abstract pendingReverts(sessionId: string, limit: number): Promise<ImportChange[]>;
  /**
   * An undo of `rowCount` rows begins. The log was written since the planner last looked at the
   * table: a large one gets its statistics refreshed, or every batch would sort the whole log.
   */
  abstract revertStarts(sessionId: string, rowCount: number): Promise<void>;
}
