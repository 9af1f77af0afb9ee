/**
 * What undo needs and what it does (SPEC §8 "Undo"): confirm records, with each row it writes,
 * the values it wrote and — for an update — the values the changed fields had before; undo
 * reverses the rows, last row first, and reports one outcome per row. Plain data and pure rules:
 * the targets read and write the records, the engine batches and leases.
 */

/** A record's field values as stored: text, or null. */
export type FieldValues = Record<string, string | null>;

/** What confirm changed with one row, recorded in the same transaction as the write. */
export type ImportChange =
  | { rowNumber: number; entityId: string; kind: 'created'; written: FieldValues }
  | {
      rowNumber: number;
      entityId: string;
      kind: 'updated';
      /** The fields the update changed, with the values they had under the update's row lock. */
      before: FieldValues;
      /** The same fields, with the values the update wrote. */
      written: FieldValues;
    };

export const REVERT_STATUSES = ['deleted', 'restored', 'kept'] as const;
export type RevertStatus = (typeof REVERT_STATUSES)[number];
/** `deleted_since` goes with `deleted`; the others with `kept`. */
export const REVERT_REASONS = [
  'deleted_since',
  'modified_since',
  'referenced',
  'revert_failed',
] as const;
export type RevertReason = (typeof REVERT_REASONS)[number];

/** A field that changed since the import: left as it is. */
export interface FieldConflict {
  /** Before the import (null for a record the import created). */
  before: string | null;
  imported: string | null;
  current: string | null;
}

/** What undo did with one row the import wrote. */
export type RevertOutcome =
  | {
      rowNumber: number;
      id: string;
      status: 'deleted';
      /** `deleted_since`: someone deleted the record after the import; nothing was left to undo. */
      reason?: 'deleted_since';
    }
  | { rowNumber: number; id: string; status: 'restored' }
  | {
      rowNumber: number;
      id: string;
      status: 'kept';
      reason: 'modified_since';
      /** The fields changed since the import; every other field the row changed was restored. */
      fields: Record<string, FieldConflict>;
    }
  | { rowNumber: number; id: string; status: 'kept'; reason: 'referenced' }
  | { rowNumber: number; id: string; status: 'kept'; reason: 'revert_failed'; error: string };

/** A record as undo finds it, under its row lock. */
export interface LockedRecord {
  values: FieldValues;
  /** Something refers to it (e.g. a client belongs to this customer): it must not be deleted. */
  referenced: boolean;
}

/** One write undo asks of a target. */
export type RevertAction =
  { kind: 'delete'; id: string } | { kind: 'restore'; id: string; fields: FieldValues };

export interface RevertCounts {
  deleted: number;
  restored: number;
  kept: number;
}

/** What undo does with a batch of rows: the outcomes in row order, and the writes that make them. */
export interface RevertPlan {
  outcomes: RevertOutcome[];
  /** At most one per record: the state the record ends in. */
  actions: RevertAction[];
}

/**
 * Plans the undo of a batch of rows (SPEC §8). Rows are reversed last row first, each against
 * the record as the rows after it left it — so that a record written by several rows of one
 * import (a `multi` duplicate updating the client an earlier row created, two rows updating one
 * client) comes back step by step:
 * - a created record is deleted if every field still holds the value the row wrote and nothing
 *   refers to it; otherwise it is kept (`modified_since` with the fields changed, or `referenced`);
 * - an updated record gets each changed field's before-value back where the field still holds
 *   the value the row wrote; fields changed since are left as they are and reported
 *   (`modified_since`: the record is kept, the other fields restored);
 * - a record deleted since is reported `deleted` (`deleted_since`), with nothing to do.
 *
 * @param changes the batch's rows, last row first (the order undo processes them)
 * @param records the records the rows wrote, read under their row locks; absent = deleted since
 */
export function planRevert(
  changes: readonly ImportChange[],
  records: ReadonlyMap<string, LockedRecord>,
): RevertPlan {
  // Each record's values as the rows processed so far leave them (null: deleted).
  const state = new Map<string, FieldValues | null>();
  const outcomes: RevertOutcome[] = [];
  for (const change of changes) {
    const id = change.entityId;
    const record = records.get(id);
    const current = state.has(id) ? state.get(id)! : (record?.values ?? null);
    const { outcome, after } = revertOne(change, current, record?.referenced ?? false);
    state.set(id, after);
    outcomes.push(outcome);
  }
  const actions: RevertAction[] = [];
  for (const [id, after] of state) {
    const record = records.get(id);
    if (!record) continue;
    if (after === null) {
      actions.push({ kind: 'delete', id });
      continue;
    }
    const fields: FieldValues = {};
    for (const [field, value] of Object.entries(after))
      if (!sameValue(record.values[field], value)) fields[field] = value;
    if (Object.keys(fields).length > 0) actions.push({ kind: 'restore', id, fields });
  }
  return { outcomes: outcomes.sort((a, b) => a.rowNumber - b.rowNumber), actions };
}

function revertOne(
  change: ImportChange,
  current: FieldValues | null,
  referenced: boolean,
): { outcome: RevertOutcome; after: FieldValues | null } {
  const row = { rowNumber: change.rowNumber, id: change.entityId };
  if (current === null)
    return { outcome: { ...row, status: 'deleted', reason: 'deleted_since' }, after: null };
  let conflicts: Record<string, FieldConflict> | undefined;
  // Copied only when a field gets its value of before back.
  let after = current;
  for (const field in change.written) {
    const imported = change.written[field];
    const now = current[field] ?? null;
    if (!sameValue(now, imported)) {
      const before = change.kind === 'updated' ? (change.before[field] ?? null) : null;
      (conflicts ??= {})[field] = { before, imported, current: now };
    } else if (change.kind === 'updated') {
      if (after === current) after = { ...current };
      after[field] = change.before[field] ?? null;
    }
  }
  if (conflicts)
    return {
      outcome: { ...row, status: 'kept', reason: 'modified_since', fields: conflicts },
      after,
    };
  if (change.kind === 'updated') return { outcome: { ...row, status: 'restored' }, after };
  if (referenced) return { outcome: { ...row, status: 'kept', reason: 'referenced' }, after };
  return { outcome: { ...row, status: 'deleted' }, after: null };
}

/** A record's values of `fields` (absent = null), as undo compares them. */
export function fieldValues<K extends string>(
  record: Readonly<Partial<Record<K, string | null>>>,
  fields: readonly K[],
): FieldValues {
  const values: FieldValues = {};
  for (const field of fields) values[field] = record[field] ?? null;
  return values;
}

/** The fields of an update that it changed: their values before, and the values it wrote. */
export function changedFields(
  before: Readonly<FieldValues>,
  written: Readonly<FieldValues>,
): { before: FieldValues; written: FieldValues } {
  const changed = { before: {} as FieldValues, written: {} as FieldValues };
  for (const [field, value] of Object.entries(written)) {
    const old = before[field] ?? null;
    if (sameValue(old, value)) continue;
    changed.before[field] = old;
    changed.written[field] = value;
  }
  return changed;
}

function sameValue(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? null) === (b ?? null);
}
