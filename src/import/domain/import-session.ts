import {
  ConflictError,
  detail,
  type ErrorDetail,
  ForbiddenError,
  InvalidError,
} from '../../shared/domain-error.js';
import type { RevertCounts, RevertOutcome } from './import-change.js';
import { candidatesOf, type ImportRow, type RowOutcome, type SkipReason } from './import-row.js';
import type { EntityType, ImportChannel, ImportContext } from './import-target.js';

/**
 * Where an import is in its life (SPEC §8). CSV: `receiving` (an asynchronous upload being
 * stored) → `validating` → `validated`; app: `collecting` → `validated`; then `confirming` →
 * `completed`, never back. `failed` and `cancelled` end it early; `expired` is derived from a
 * `validated` session past its TTL, never stored.
 */
export const PHASES = [
  'receiving',
  'validating',
  'collecting',
  'validated',
  'confirming',
  'completed',
  'failed',
  'cancelled',
  'reverting',
  'reverted',
] as const;
export type Phase = (typeof PHASES)[number];
export type DisplayPhase = Phase | 'expired';

/** Phases in which a job works on the session (a lease holder may be running it). */
export const WORKING_PHASES = [
  'receiving',
  'validating',
  'collecting',
  'confirming',
  'reverting',
] as const satisfies readonly Phase[];

/** Phases after which nothing more happens to the session but an undo. */
const FINISHED: readonly Phase[] = ['completed', 'failed', 'cancelled', 'reverting', 'reverted'];

/** Ended phases from which an import that wrote rows can be undone. */
export const REVERTABLE_PHASES = [
  'completed',
  'cancelled',
  'failed',
] as const satisfies readonly Phase[];

export interface RowCounts {
  total: number;
  valid: number;
  warning: number;
  error: number;
  ambiguous: number;
}

export interface OutcomeCounts {
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

/** Row number (as a string) → the candidate the caller chose for that ambiguous row. */
export type Resolutions = Record<string, string>;

/** Progress of the current phase: rows done of a total that may still be an estimate. */
export interface PhaseProgress {
  done: number;
  /** Unknown (an app still sending pages) is null. */
  total: number | null;
  estimate: boolean;
}

export interface ImportSessionState {
  id: string;
  businessUid: string;
  createdBy: string;
  entityType: EntityType;
  channel: ImportChannel;
  fieldsMapping?: Record<string, string>;
  settings: Record<string, string>;
  phase: Phase;
  counts: RowCounts;
  outcomes: OutcomeCounts;
  /** What undo did so far (all zero until an undo starts). */
  reverts: RevertCounts;
  /**
   * Confirm recorded what undo needs (every import since undo exists; imports confirmed before
   * it cannot be undone).
   */
  undoRecorded: boolean;
  override: boolean;
  resolutions: Resolutions;
  progress: PhaseProgress;
  /** Someone asked to stop the job at its next batch boundary. */
  cancelRequested: boolean;
  /** The upload is kept in the database, so any instance can validate it. */
  uploadStored: boolean;
  uploadBytes: number | null;
  createdAt: Date;
  expiresAt: Date;
  phaseStartedAt: Date;
  updatedAt: Date;
  confirmedAt: Date | null;
  completedAt: Date | null;
  error: string | null;
}

/** What a confirm request turns into. */
export type ConfirmStart = 'start' | 'resume' | 'replay';

/** What an undo request turns into. */
export type RevertStart = 'start' | 'resume' | 'replay';

/** The action the confirm plan gives one row. */
export type RowPlan =
  | { kind: 'create'; resolved?: string }
  | { kind: 'update'; targetId?: string; targetRow?: number; resolved?: string }
  | { kind: 'skip'; reason: SkipReason };

export interface Caller {
  sub: string;
  businessUid: string;
  /** `platform:admin`: may act on any import of the business. */
  admin?: boolean;
}

const NOT_FOUND = 'not_found_or_expired';

const emptyCounts = (): RowCounts => ({ total: 0, valid: 0, warning: 0, error: 0, ambiguous: 0 });
const emptyOutcomes = (): OutcomeCounts => ({ created: 0, updated: 0, skipped: 0, failed: 0 });
const emptyReverts = (): RevertCounts => ({ deleted: 0, restored: 0, kept: 0 });

/**
 * The one rich aggregate (ARCHITECTURE rule 3): row-status rules, the confirm plan, resolution
 * checks, counters that always sum to the total, the life cycle and its progress. Rows
 * themselves are streamed in batches; the session guards what may happen to them. Who may write
 * it is a lease's matter (the job leases), not the aggregate's.
 */
export class ImportSession {
  private constructor(private state: ImportSessionState) {}

  static start(input: {
    id: string;
    businessUid: string;
    createdBy: string;
    entityType: EntityType;
    channel: ImportChannel;
    fieldsMapping?: Record<string, string>;
    settings?: Record<string, string>;
    /** An asynchronous upload is received (and stored) before it is validated. */
    receiving?: boolean;
    now: Date;
    ttlSeconds: number;
  }): ImportSession {
    const phase: Phase =
      input.channel.kind === 'app' ? 'collecting' : input.receiving ? 'receiving' : 'validating';
    return new ImportSession({
      id: input.id,
      businessUid: input.businessUid,
      createdBy: input.createdBy,
      entityType: input.entityType,
      channel: input.channel,
      ...(input.fieldsMapping ? { fieldsMapping: input.fieldsMapping } : {}),
      settings: input.settings ?? {},
      phase,
      counts: emptyCounts(),
      outcomes: emptyOutcomes(),
      reverts: emptyReverts(),
      undoRecorded: true,
      override: false,
      resolutions: {},
      progress: { done: 0, total: null, estimate: true },
      cancelRequested: false,
      uploadStored: false,
      uploadBytes: null,
      createdAt: input.now,
      expiresAt: new Date(input.now.getTime() + input.ttlSeconds * 1000),
      phaseStartedAt: input.now,
      updatedAt: input.now,
      confirmedAt: null,
      completedAt: null,
      error: null,
    });
  }

  static restore(state: ImportSessionState): ImportSession {
    return new ImportSession(structuredClone(state));
  }

  /** A read-only copy of the state (changing it changes nothing). */
  get snapshot(): Readonly<ImportSessionState> {
    return Object.freeze(structuredClone(this.state));
  }

  get id(): string {
    return this.state.id;
  }

  get phase(): Phase {
    return this.state.phase;
  }

  get businessUid(): string {
    return this.state.businessUid;
  }

  get entityType(): EntityType {
    return this.state.entityType;
  }

  get channel(): Readonly<ImportChannel> {
    return this.state.channel;
  }

  get createdBy(): string {
    return this.state.createdBy;
  }

  get counts(): Readonly<RowCounts> {
    return this.state.counts;
  }

  get outcomes(): Readonly<OutcomeCounts> {
    return this.state.outcomes;
  }

  get reverts(): Readonly<RevertCounts> {
    return this.state.reverts;
  }

  get uploadStored(): boolean {
    return this.state.uploadStored;
  }

  /** What the session's target is told about it. */
  get context(): ImportContext {
    const { businessUid, channel, fieldsMapping, settings } = this.state;
    return { businessUid, channel, ...(fieldsMapping ? { fieldsMapping } : {}), settings };
  }

  // ——— validate ———————————————————————————————————————————————————————————————

  /** An asynchronous upload is stored: any instance may now validate it. */
  uploadReceived(bytes: number, now: Date): void {
    this.expectPhase(['receiving'], 'receive the upload of');
    this.state.uploadStored = true;
    this.state.uploadBytes = bytes;
    this.enter('validating', now);
  }

  /**
   * Rows are gathered from the start (a validation or a collection that starts, or starts again
   * after its instance stopped): the counts start again; the caller drops stored rows.
   */
  beginGathering(now: Date, sizeBytes?: number): void {
    this.expectPhase(['validating', 'collecting'], 'gather the rows of');
    this.state.counts = emptyCounts();
    if (sizeBytes !== undefined) this.state.uploadBytes = sizeBytes;
    this.enter(this.state.phase, now);
  }

  /**
   * Tallies classified rows while the session gathers them. `estimatedTotal`: how many rows the
   * whole source probably holds (from the bytes read so far); progress never goes back.
   */
  addRows(
    rows: ReadonlyArray<{ status: ImportRow['status'] }>,
    now: Date,
    estimatedTotal?: number,
  ): void {
    this.expectPhase(['validating', 'collecting'], 'add rows to');
    for (const row of rows) {
      this.state.counts.total++;
      this.state.counts[row.status]++;
    }
    this.advance(this.state.counts.total, estimatedTotal ?? null, true, now);
  }

  /** Rows gathered: the session is confirmable for its TTL from now. */
  markValidated(now: Date, ttlSeconds: number): void {
    this.expectPhase(['validating', 'collecting'], 'mark validated');
    this.state.expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    this.enter('validated', now);
    this.state.progress = {
      done: this.state.counts.total,
      total: this.state.counts.total,
      estimate: false,
    };
  }

  /** The import cannot go on (a broken upload, an app that keeps failing). */
  fail(error: string, now: Date): void {
    this.expectPhase(['receiving', 'validating', 'collecting', 'validated', 'confirming'], 'fail');
    this.state.error = error;
    this.state.completedAt = now;
    this.enter('failed', now);
  }

  isExpired(now: Date): boolean {
    return this.state.phase === 'validated' && now.getTime() >= this.state.expiresAt.getTime();
  }

  displayPhase(now: Date): DisplayPhase {
    return this.isExpired(now) ? 'expired' : this.state.phase;
  }

  /** True while a job may work on the session (it has a lease holder, or should get one). */
  get working(): boolean {
    return (WORKING_PHASES as readonly Phase[]).includes(this.state.phase);
  }

  // ——— cancel ——————————————————————————————————————————————————————————————————

  /** Only its creator (or `platform:admin`) may cancel or undo an import. */
  assertOwnedBy(caller: Caller): void {
    if (!caller.admin && caller.sub !== this.state.createdBy) {
      throw new ForbiddenError('insufficient permissions: the import was started by another user');
    }
  }

  /** A finished import cannot be cancelled (409 `import_finished`). */
  assertCancellable(now: Date): void {
    if (FINISHED.includes(this.state.phase) || this.isExpired(now)) {
      throw new ConflictError('import_finished', `the import is ${this.displayPhase(now)}`, [
        detail('import_id', 'import_finished', this.state.id),
      ]);
    }
  }

  get cancelRequested(): boolean {
    return this.state.cancelRequested;
  }

  /** The job stopped at a batch boundary (or was not running): rows written stay written. */
  cancel(now: Date): void {
    this.assertCancellable(now);
    this.state.completedAt = now;
    this.state.error = null;
    this.enter('cancelled', now);
  }

  // ——— confirm ————————————————————————————————————————————————————————————————

  /**
   * Who may confirm (SPEC §6.2): another business, or an expired session, is "not found or
   * expired"; another entity type is a mismatch; another user of the same business is a 403.
   * A session already confirmed or being confirmed is not "expired": it was claimed in time.
   */
  assertConfirmableBy(caller: Caller, entityType: EntityType, now: Date): void {
    if (caller.businessUid !== this.state.businessUid || this.isExpired(now)) {
      throw new InvalidError(
        [detail('import_id', NOT_FOUND, this.state.id)],
        'import not found or expired',
      );
    }
    if (entityType !== this.state.entityType) {
      throw new InvalidError(
        [detail('import_id', 'entity_type_mismatch', this.state.id)],
        `import ${this.state.id} is a ${this.state.entityType} import`,
      );
    }
    if (caller.sub !== this.state.createdBy) {
      throw new ForbiddenError('insufficient permissions: the import was started by another user');
    }
  }

  /**
   * Starts, resumes (a confirm whose instance stopped) or replays a confirm. The plan's inputs —
   * override and resolutions — are fixed by the first confirm; a resumed confirm carries them on.
   * The caller holds the session's lease.
   */
  beginConfirm(input: { now: Date; override: boolean; resolutions: Resolutions }): ConfirmStart {
    const { phase } = this.state;
    if (phase === 'completed') return 'replay';
    if (phase === 'confirming') return 'resume';
    if (
      phase === 'cancelled' ||
      phase === 'failed' ||
      phase === 'reverting' ||
      phase === 'reverted'
    ) {
      throw new ConflictError('import_finished', `the import is ${phase}`, [
        detail(
          'import_id',
          phase === 'failed' ? 'import_failed' : 'import_finished',
          this.state.id,
        ),
      ]);
    }
    if (phase !== 'validated') {
      throw new ConflictError('import_not_ready', `the import is ${phase}`, [
        detail('import_id', 'import_not_ready', this.state.id),
      ]);
    }
    if (this.isExpired(input.now)) {
      throw new InvalidError(
        [detail('import_id', NOT_FOUND, this.state.id)],
        'import not found or expired',
      );
    }
    this.state.override = input.override;
    this.state.resolutions = input.resolutions;
    this.state.confirmedAt = input.now;
    this.enter('confirming', input.now);
    this.state.progress = { done: 0, total: this.state.counts.total, estimate: false };
    return 'start';
  }

  /**
   * Every resolution must name an ambiguous row of this session and one of its candidates;
   * otherwise every bad key (`resolutions.<row>.<field>`) is listed and nothing is executed.
   *
   * @param rows the rows the resolutions name, by row number (absent = no such row)
   * @param field the payload field a resolution sets (the target's word)
   */
  static checkResolutions(
    resolutions: Resolutions,
    rows: ReadonlyMap<number, ImportRow<unknown>>,
    field: string,
  ): ErrorDetail[] {
    const errors: ErrorDetail[] = [];
    for (const [key, chosen] of Object.entries(resolutions)) {
      const errorKey = `resolutions.${key}.${field}`;
      const row = /^[1-9]\d{0,8}$/.test(key) ? rows.get(Number(key)) : undefined;
      if (!row) errors.push(detail(errorKey, 'row_not_found', chosen));
      else if (row.status !== 'ambiguous')
        errors.push(detail(errorKey, 'row_not_ambiguous', chosen));
      else if (!candidatesOf(row).some((c) => c.id === chosen)) {
        errors.push(detail(errorKey, 'not_a_candidate', chosen));
      }
    }
    return errors;
  }

  /** The confirm plan of one row for this session's override and resolutions (SPEC §5.1). */
  planFor(
    row: Pick<
      ImportRow<unknown>,
      'rowNumber' | 'status' | 'warnings' | 'existingId' | 'duplicateOf'
    >,
  ): RowPlan {
    const { override, resolutions } = this.state;
    const update = (resolved?: string): RowPlan =>
      row.existingId !== undefined
        ? { kind: 'update', targetId: row.existingId, resolved }
        : { kind: 'update', targetRow: row.duplicateOf, resolved };
    switch (row.status) {
      case 'error':
        return { kind: 'skip', reason: 'error' };
      case 'valid':
        return { kind: 'create' };
      case 'warning':
        return override ? update() : { kind: 'skip', reason: 'warning_not_overridden' };
      case 'ambiguous': {
        const resolved = Object.hasOwn(resolutions, String(row.rowNumber))
          ? resolutions[String(row.rowNumber)]
          : undefined;
        if (resolved === undefined) return { kind: 'skip', reason: 'ambiguous_unresolved' };
        if (row.warnings.length === 0) return { kind: 'create', resolved };
        return override ? update(resolved) : { kind: 'skip', reason: 'warning_not_overridden' };
      }
    }
  }

  /** Counts a batch of outcomes; the four counters never exceed the total. */
  recordOutcomes(outcomes: readonly RowOutcome[], now: Date): void {
    this.expectPhase(['confirming'], 'record outcomes of');
    const next = { ...this.state.outcomes };
    for (const outcome of outcomes) next[outcome.status]++;
    if (sum(next) > this.state.counts.total) {
      throw new Error(`outcomes (${sum(next)}) exceed total rows (${this.state.counts.total})`);
    }
    this.state.outcomes = next;
    this.advance(sum(next), this.state.counts.total, false, now);
  }

  /** Every row has its outcome: created + updated + skipped + failed = total rows. */
  complete(now: Date): void {
    this.expectPhase(['confirming'], 'complete');
    if (sum(this.state.outcomes) !== this.state.counts.total) {
      throw new Error(
        `cannot complete: ${sum(this.state.outcomes)} outcomes for ${this.state.counts.total} rows`,
      );
    }
    this.state.completedAt = now;
    this.enter('completed', now);
    this.state.progress = {
      done: this.state.counts.total,
      total: this.state.counts.total,
      estimate: false,
    };
  }

  // ——— undo ———————————————————————————————————————————————————————————————————

  /** The rows the import wrote (created or updated): what an undo reverses, one outcome each. */
  get written(): number {
    return this.state.outcomes.created + this.state.outcomes.updated;
  }

  /**
   * Until when the import can be undone (SPEC §8): `undoSeconds` after it ended, for an ended
   * import that wrote rows; null when it cannot be (still running, nothing written, being or
   * already undone, or confirmed before undo was recorded).
   */
  undoUntil(undoSeconds: number): Date | null {
    const { phase, completedAt, undoRecorded } = this.state;
    if (!(REVERTABLE_PHASES as readonly Phase[]).includes(phase)) return null;
    if (!completedAt || !undoRecorded || this.written === 0) return null;
    return new Date(completedAt.getTime() + undoSeconds * 1000);
  }

  /**
   * What an undo request turns into, without changing anything: a replay once it is undone, a
   * resume while an undo whose instance stopped is pending, a start for an ended import within
   * its window; otherwise a 409 with the reason (`import_in_progress`, `nothing_to_revert`,
   * `undo_unavailable`, `undo_expired`). Who may ask is `assertOwnedBy`'s matter.
   */
  revertStart(now: Date, undoSeconds: number): RevertStart {
    const { phase, id } = this.state;
    const refuse = (code: string, message: string) =>
      new ConflictError(code, message, [detail('import_id', code, id)]);
    if (phase === 'reverted') return 'replay';
    if (phase === 'reverting') return 'resume';
    if ((WORKING_PHASES as readonly Phase[]).includes(phase))
      throw refuse('import_in_progress', `the import is ${phase}: undo it once it has ended`);
    if (this.written === 0)
      throw refuse('nothing_to_revert', 'the import wrote no record: there is nothing to undo');
    if (!this.state.undoRecorded)
      throw refuse(
        'undo_unavailable',
        'the import was confirmed before undo was recorded: it cannot be undone',
      );
    const until = this.undoUntil(undoSeconds)!;
    if (now.getTime() >= until.getTime())
      throw refuse('undo_expired', `the import could be undone until ${until.toISOString()}`);
    return 'start';
  }

  /** Starts (or resumes, or replays) an undo; the caller holds the session's lease. */
  beginRevert(now: Date, undoSeconds: number): RevertStart {
    const start = this.revertStart(now, undoSeconds);
    if (start !== 'start') return start;
    this.state.reverts = emptyReverts();
    this.enter('reverting', now);
    this.state.progress = { done: 0, total: this.written, estimate: false };
    return start;
  }

  /** Counts a batch of undo outcomes; they never exceed the rows the import wrote. */
  recordReverts(outcomes: readonly RevertOutcome[], now: Date): void {
    this.expectPhase(['reverting'], 'record undo outcomes of');
    const next = { ...this.state.reverts };
    for (const outcome of outcomes) next[outcome.status]++;
    const done = next.deleted + next.restored + next.kept;
    if (done > this.written)
      throw new Error(`undo outcomes (${done}) exceed the rows written (${this.written})`);
    this.state.reverts = next;
    this.advance(done, this.written, false, now);
  }

  /** Every row written has its undo outcome: deleted + restored + kept = created + updated. */
  completeRevert(now: Date): void {
    this.expectPhase(['reverting'], 'complete the undo of');
    const { deleted, restored, kept } = this.state.reverts;
    if (deleted + restored + kept !== this.written)
      throw new Error(
        `cannot complete the undo: ${deleted + restored + kept} outcomes for ${this.written} rows`,
      );
    this.enter('reverted', now);
    this.state.progress = { done: this.written, total: this.written, estimate: false };
  }

  // ——— progress ———————————————————————————————————————————————————————————————

  /** Percent of the current phase done (null while the total is unknown); never goes back. */
  percent(): number | null {
    const { done, total } = this.state.progress;
    if (total === null) return null;
    if (total === 0) return 100;
    return Math.min(100, Math.floor((done / total) * 1000) / 10);
  }

  private advance(done: number, total: number | null, estimate: boolean, now: Date): void {
    let next = total;
    if (estimate && next !== null) {
      // An estimate never makes the percent go back, and never claims the end before it.
      next = Math.max(next, done + 1);
      const before = this.percent();
      if (before !== null && before > 0 && (done / next) * 100 < before)
        next = Math.max(done + 1, Math.floor((done * 100) / before));
    }
    this.state.progress = { done, total: next, estimate };
    this.state.updatedAt = now;
  }

  private enter(phase: Phase, now: Date): void {
    this.state.phase = phase;
    this.state.phaseStartedAt = now;
    this.state.updatedAt = now;
    this.state.cancelRequested = false;
  }

  private expectPhase(allowed: Phase[], action: string): void {
    if (!allowed.includes(this.state.phase)) {
      throw new Error(`cannot ${action} an import that is ${this.state.phase}`);
    }
  }
}

export function sum(outcomes: OutcomeCounts): number {
  return outcomes.created + outcomes.updated + outcomes.skipped + outcomes.failed;
}
