import type { Page, PageRequest } from '../../shared/pagination.js';
import type { RevertOutcome, RevertStatus } from './import-change.js';

/** What undo did with each row, appended batch by batch; read in row order. */
export abstract class RevertOutcomeRepository {
  /** Appends a batch's outcomes (inside the batch's transaction). */
  abstract append(sessionId: string, outcomes: readonly RevertOutcome[]): Promise<void>;
  /**
   * An undo of `rowCount` rows ended: a large one gets the table's statistics refreshed, so that
   * its outcomes are read back in row order without sorting them all for every page.
   */
  abstract outcomesLoaded(sessionId: string, rowCount: number): Promise<void>;
  /** The outcomes in row order, read in pages. */
  abstract stream(sessionId: string, pageSize?: number): AsyncIterable<RevertOutcome[]>;
  /** One page of outcomes in row order, optionally of some statuses only. */
  abstract page(
    sessionId: string,
    statuses: readonly RevertStatus[] | undefined,
    page: PageRequest,
  ): Promise<Page<RevertOutcome>>;
}
