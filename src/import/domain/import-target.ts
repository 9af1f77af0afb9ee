import type { ImportRow, RowIssue } from './import-row.js';

export const ENTITY_TYPES = ['customers', 'clients'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Options chosen at validate that shape the rules (clients: `upload_type`, `fields_mapping`). */
export interface ImportOptions {
  uploadType?: 'single' | 'multi';
  fieldsMapping?: Record<string, string>;
  /** Where the rows came from: `csv_import`, or `app:<code>` for an app pull. */
  source?: string;
  /** App pulls: the app, and what the app import asked for (SPEC §5.2). */
  appCodeName?: string;
  shouldOverride?: boolean;
  sendNotificationsWhenDone?: boolean;
  /** Where to e-mail the staff member who started an app import, when known. */
  notifyEmail?: string;
}

/** The checks of one row that need no database. */
export interface CheckedRow<P> {
  payload: P;
  errors: RowIssue[];
  /** Rows with the same key in one file are in-file duplicates (VAT for customers, email for clients). */
  duplicateKey?: { field: string; value: string };
}

/** One write confirm asks of a target. */
export type RowAction<P> =
  | { rowNumber: number; kind: 'create'; payload: P; organizationId?: string }
  | { rowNumber: number; kind: 'update'; payload: P; targetId: string; organizationId?: string };

export interface WriteResult {
  rowNumber: number;
  id: string;
  status: 'created' | 'updated';
}

/**
 * The port through which an entity plugs into the generic import engine (ARCHITECTURE rule 4):
 * its columns, its row checks, its batch classification against the database, and its
 * batched writes. Adding an entity means one ImportTarget, not a copy of the flow.
 */
export abstract class ImportTarget<P = Record<string, unknown>, B = unknown> {
  abstract readonly entityType: EntityType;
  /** The CSV columns, as in the template. */
  abstract readonly columns: readonly string[];
  /** Whether `resolutions` at confirm are checked and applied (clients) or ignored (customers). */
  abstract readonly resolvesReferences: boolean;

  /** How a repeated duplicate key in one file is reported. */
  abstract duplicateSeverity(options: ImportOptions): 'error' | 'warning';

  /**
   * Optional work on a whole batch before its rows are checked, done off the event loop (e.g.
   * phone numbers on a worker thread). The engine starts it for the next batch while it checks
   * the current one, and hands what it resolves to to `check`.
   */
  prepare?(rows: ReadonlyArray<Record<string, string>>, options: ImportOptions): Promise<B>;

  /** Field rules of one row (cells keyed by column); `prepared`: the batch's `prepare`, if any. */
  abstract check(
    cells: Record<string, string>,
    options: ImportOptions,
    prepared?: B,
  ): CheckedRow<P>;

  /**
   * Classifies a batch against the database — one query per batch, never per row — adding
   * warnings (`already_exists` + existingId + diff), ambiguities (candidates) and reference
   * errors to the rows in place. Rows already in error may be skipped.
   */
  abstract classify(
    businessUid: string,
    rows: ImportRow<P>[],
    options: ImportOptions,
  ): Promise<void>;

  /**
   * Writes a batch in one go (multi-row statements), one result per action, in order. Throws
   * if any write fails; the engine then replays the batch row by row under savepoints.
   */
  abstract write(
    businessUid: string,
    actions: RowAction<P>[],
    options: ImportOptions,
  ): Promise<WriteResult[]>;

  /** A readable message for a write that failed (a taken email, a constraint). */
  abstract describeFailure(error: unknown): string;
}
