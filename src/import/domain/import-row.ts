/**
 * One row of an import, as classified at validate time (SPEC §6.1) and executed at confirm.
 * Plain data: the rules that act on rows live in ImportSession.
 */
export const ROW_STATUSES = ['valid', 'warning', 'error', 'ambiguous'] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

export interface RowIssue {
  field: string;
  /** A stable snake_case code. */
  message: string;
  values?: string[];
}

/** An entity a reference could mean (e.g. a customer a client's company name matches). */
export interface Candidate {
  id: string;
  name: string;
  /** What the candidate is, in the target's words (e.g. `customer`). */
  kind: string;
}

/** A reference that matches several entities: confirm needs a resolution to pick one. */
export interface Ambiguity {
  field: string;
  values?: string[];
  candidates: Candidate[];
}

export type FieldDiff = Record<string, { from: string | null; to: string | null }>;

export interface ImportRow<P = Record<string, unknown>> {
  rowNumber: number;
  status: RowStatus;
  /** The cells as read, keyed by column. */
  data: Record<string, string>;
  errors: RowIssue[];
  warnings: RowIssue[];
  ambiguities: Ambiguity[];
  /** The entity fields parsed from the cells (normalised), what confirm writes. */
  payload: P;
  /** `warning already_exists`: the entity override would update. */
  existingId?: string;
  /** `warning duplicate_in_csv` (multi): the earlier row whose entity override updates. */
  duplicateOf?: number;
  /** Field-by-field change that override would make to the existing entity. */
  diff?: FieldDiff;
  /** The in-file duplicate key this row is the first to carry (not sent to clients). */
  claimsKey?: string;
}

export const OUTCOME_STATUSES = ['created', 'updated', 'skipped', 'failed'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];
export const SKIP_REASONS = ['error', 'warning_not_overridden', 'ambiguous_unresolved'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** What confirm did with one row (SPEC §6.2). */
export type RowOutcome =
  | { rowNumber: number; status: 'created' | 'updated'; id: string }
  | { rowNumber: number; status: 'skipped'; reason: SkipReason }
  | { rowNumber: number; status: 'failed'; error: string };

/** Status precedence: error > ambiguous > warning > valid. */
export function statusOf(row: Pick<ImportRow, 'errors' | 'warnings' | 'ambiguities'>): RowStatus {
  if (row.errors.length > 0) return 'error';
  if (row.ambiguities.length > 0) return 'ambiguous';
  if (row.warnings.length > 0) return 'warning';
  return 'valid';
}

export function candidatesOf(row: Pick<ImportRow, 'ambiguities'>): Candidate[] {
  return row.ambiguities.flatMap((a) => a.candidates);
}
