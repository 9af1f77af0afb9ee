import type { Page, PageRequest } from '../../shared/pagination.js';
import type { OutcomeStatus, RowOutcome } from './import-row.js';

/** What confirm did with each row, appended batch by batch in row order. */
export abstract class ImportOutcomeRepository {
  /** Appends a batch's outcomes (inside the batch's transaction). */
  abstract append(sessionId: string, outcomes: readonly RowOutcome[]): Promise<void>;
  /** The outcomes in row order, read in pages. */
  abstract stream(sessionId: string, pageSize?: number): AsyncIterable<RowOutcome[]>;
  /** One page of outcomes in row order, optionally of some statuses only. */
  abstract page(
    sessionId: string,
    statuses: readonly OutcomeStatus[] | undefined,
    page: PageRequest,
  ): Promise<Page<RowOutcome>>;
}
