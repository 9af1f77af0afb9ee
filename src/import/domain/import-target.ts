import type { FieldValues, LockedRecord, RevertAction } from './import-change.js';
import type { ImportRow, RowIssue } from './import-row.js';

/** An entity type is named by the target that handles it (e.g. `customers`, `clients`). */
export type EntityType = string;

/** Where an import's rows come from, with what each channel needs (SPEC §5.2, §6). */
export type ImportChannel =
  | {
      kind: 'csv';
      /** What the uploaded file turned out to be, by its content (not its name). */
      format: 'csv' | 'xlsx';
      /** The worksheet the `sheet` form field named (a workbook only; else the first visible). */
      sheet?: string;
    }
  | {
      kind: 'app';
      appCodeName: string;
      /** The app itself (its code may be registered again by someone else after a delete). */
      appId?: string;
      shouldOverride: boolean;
      sendNotificationsWhenDone: boolean;
      /** Where to tell the staff member who started it that it is over, when known. */
      notifyEmail?: string;
    };

export type ChannelKind = ImportChannel['kind'];

/**
 * What a target is told about the import its rows belong to: the tenant, the channel, the
 * mapping of fields to the source's labels, and the target's own settings (chosen at validate,
 * interpreted by the target only, e.g. clients' `upload_type`).
 */
export interface ImportContext {
  businessUid: string;
  channel: ImportChannel;
  fieldsMapping?: Readonly<Record<string, string>>;
  settings: Readonly<Record<string, string>>;
}

/** The checks of one row that need no database. */
export interface CheckedRow<P> {
  payload: P;
  errors: RowIssue[];
  /** Rows with the same key in one file are in-file duplicates (VAT for customers, email for clients). */
  duplicateKey?: { field: string; value: string };
}

/** One write confirm asks of a target; `resolved`: the candidate a resolution chose. */
export type RowAction<P> =
  | { rowNumber: number; kind: 'create'; payload: P; resolved?: string }
  | { rowNumber: number; kind: 'update'; payload: P; targetId: string; resolved?: string };

/**
 * What a write did, with what undo needs: every field of a created record as written; for an
 * update, exactly the fields it changed, with their values before (read under the update's row
 * lock, in the same statement) and the values it wrote.
 */
export type WriteResult =
  | { rowNumber: number; id: string; status: 'created'; written: FieldValues }
  | {
      rowNumber: number;
      id: string;
      status: 'updated';
      before: FieldValues;
      written: FieldValues;
    };

/**
 * The port through which an entity plugs into the generic import engine (ARCHITECTURE rule 4):
 * its columns, its row checks, its batch classification against the database, and its
 * batched writes. Adding an entity means one ImportTarget registered with the engine
 * (ImportTargets), not a copy of the flow.
 */
export abstract class ImportTarget<P = Record<string, unknown>, B = unknown> {
  abstract readonly entityType: EntityType;
  /** The columns, as in the template. */
  abstract readonly columns: readonly string[];
  /**
   * When the target's rows can be ambiguous: the payload field a confirm's resolution sets (it
   * names the candidate). Absent: resolutions are accepted and ignored (SPEC §4, seed 003).
   */
  readonly resolves?: { field: string };

  /** How a repeated duplicate key in one file is reported. */
  abstract duplicateSeverity(context: ImportContext): 'error' | 'warning';

  /**
   * Optional work on a whole batch before its rows are checked, done off the event loop (e.g.
   * phone numbers on a worker thread). The engine starts it for the next batch while it checks
   * the current one, and hands what it resolves to to `check`.
   */
  prepare?(rows: ReadonlyArray<Record<string, string>>, context: ImportContext): Promise<B>;

  /** Field rules of one row (cells keyed by column); `prepared`: the batch's `prepare`, if any. */
  abstract check(
    cells: Record<string, string>,
    context: ImportContext,
    prepared?: B,
  ): CheckedRow<P>;

  /**
   * Classifies a batch against the database — one query per batch, never per row — adding
   * warnings (`already_exists` + existingId + diff), ambiguities (candidates) and reference
   * errors to the rows in place. Rows already in error are not passed.
   */
  abstract classify(rows: ImportRow<P>[], context: ImportContext): Promise<void>;

  /**
   * Writes a batch in one go (multi-row statements), one result per action, in order. Throws
   * if any write fails; the engine then replays the batch row by row under savepoints.
   */
  abstract write(actions: RowAction<P>[], context: ImportContext): Promise<WriteResult[]>;

  /** A readable message for a write that failed (a taken email, a constraint). */
  abstract describeFailure(error: unknown): string;

  /**
   * Undo: locks the records (one statement, `FOR UPDATE`: nothing changes them until the batch
   * commits) and reads their current values — a record deleted since is absent — and, once they
   * are locked, which of them something refers to.
   */
  abstract lockForRevert(ids: string[], context: ImportContext): Promise<Map<string, LockedRecord>>;

  /**
   * Undo's writes for a batch in one go (one statement for the deletes, one for the restores).
   * Throws if any fails; the engine then replays them record by record under savepoints.
   */
  abstract revert(actions: RevertAction[], context: ImportContext): Promise<void>;
}
