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
}
