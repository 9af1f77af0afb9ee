import {
  ConflictError,
  detail,
  type ErrorDetail,
  ForbiddenError,
  InvalidError,
} from '../../shared/domain-error.js';
import {
  candidatesOf,
  type ImportRow,
  type RowOutcome,
  type RowStatus,
  type SkipReason,
} from './import-row.js';
import type { EntityType, ImportOptions } from './import-target.js';

/**
 * `validating` and `collecting` gather rows; `validated → confirming → completed`, never back.
 * `failed` ends a session that could not be collected. `expired` is derived, never stored.
 */
export type SessionStatus =
  'validating' | 'collecting' | 'validated' | 'confirming' | 'completed' | 'failed';
export type DisplayStatus = SessionStatus | 'expired';

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

export type Resolutions = Record<string, { organization_id: string }>;

export interface ImportSessionState {
  id: string;
  businessUid: string;
  createdBy: string;
  entityType: EntityType;
  channel: 'csv' | 'app';
  status: SessionStatus;
  options: ImportOptions;
  counts: RowCounts;
  outcomes: OutcomeCounts;
  override: boolean;
  resolutions: Resolutions;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  expiresAt: Date;
  confirmedAt: Date | null;
  completedAt: Date | null;
  error: string | null;
  /** Bumped by every change of status or lease owner (optimistic concurrency). */
  version: number;
}

/** What a confirm request turns into. */
export type ConfirmStart = 'start' | 'resume' | 'replay';

/** The action the confirm plan gives one row. */
export type RowPlan =
  | { kind: 'create'; organizationId?: string }
  | { kind: 'update'; targetId?: string; targetRow?: number; organizationId?: string }
  | { kind: 'skip'; reason: SkipReason };

export interface Caller {
  sub: string;
  businessUid: string;
}

const NOT_FOUND = 'not_found_or_expired';

const emptyCounts = (): RowCounts => ({ total: 0, valid: 0, warning: 0, error: 0, ambiguous: 0 });
const emptyOutcomes = (): OutcomeCounts => ({ created: 0, updated: 0, skipped: 0, failed: 0 });

/**
 * The one rich aggregate (ARCHITECTURE rule 3): row-status rules, the confirm plan, resolution
 * checks, counters that always sum to the total, the life cycle and its lease. Rows themselves
 * are streamed in batches; the session guards what may happen to them.
 */
export class ImportSession {
  private constructor(private state: ImportSessionState) {}

  static start(input: {
    id: string;
    businessUid: string;
    createdBy: string;
    entityType: EntityType;
    channel: 'csv' | 'app';
    options: ImportOptions;
    now: Date;
    ttlSeconds: number;
  }): ImportSession {
    return new ImportSession({
      id: input.id,
      businessUid: input.businessUid,
      createdBy: input.createdBy,
      entityType: input.entityType,
      channel: input.channel,
      status: input.channel === 'csv' ? 'validating' : 'collecting',
      options: input.options,
      counts: emptyCounts(),
      outcomes: emptyOutcomes(),
      override: false,
      resolutions: {},
      leaseOwner: null,
      leaseExpiresAt: null,
      createdAt: input.now,
      expiresAt: new Date(input.now.getTime() + input.ttlSeconds * 1000),
      confirmedAt: null,
      completedAt: null,
      error: null,
      version: 0,
    });
  }

  static restore(state: ImportSessionState): ImportSession {
    return new ImportSession(structuredClone(state));
  }

  get snapshot(): Readonly<ImportSessionState> {
    return this.state;
  }

  get id(): string {
    return this.state.id;
  }

  get status(): SessionStatus {
    return this.state.status;
  }

  // ——— validate ———————————————————————————————————————————————————————————————

  /** Tallies classified rows while the session gathers them. */
  addRows(rows: ReadonlyArray<{ status: RowStatus }>): void {
    this.expectStatus(['validating', 'collecting'], 'add rows');
    for (const row of rows) {
      this.state.counts.total++;
      this.state.counts[row.status]++;
    }
  }

  /**
   * An instance takes over the collection of an app import (a new one, or one whose collector
   * died: its lease lapsed). Collection restarts from the first page: rows gathered so far are
   * dropped by the caller, and the counts start again.
   */
  claimCollection(owner: string, now: Date, leaseMs: number): void {
    this.expectStatus(['collecting'], 'claim the collection of');
    if (this.leaseAlive(now) && this.state.leaseOwner !== owner) {
      throw new ConflictError('import_in_progress', 'the import is being collected');
    }
    this.state.counts = emptyCounts();
    this.takeLease(owner, now, leaseMs);
  }

  /** Rows gathered: the session is confirmable for its TTL from now. */
  markValidated(now: Date, ttlSeconds: number): void {
    this.expectStatus(['validating', 'collecting'], 'mark validated');
    this.state.status = 'validated';
    this.state.leaseOwner = null;
    this.state.leaseExpiresAt = null;
    this.state.expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    this.state.version++;
  }

  /** An app pull that could not complete (SPEC §5.2). */
  fail(error: string, now: Date): void {
    this.expectStatus(['validating', 'collecting', 'validated', 'confirming'], 'fail');
    this.state.status = 'failed';
    this.state.error = error;
    this.state.completedAt = now;
    this.state.leaseOwner = null;
    this.state.leaseExpiresAt = null;
    this.state.version++;
  }

  isExpired(now: Date): boolean {
    return this.state.status === 'validated' && now.getTime() >= this.state.expiresAt.getTime();
  }

  displayStatus(now: Date): DisplayStatus {
    return this.isExpired(now) ? 'expired' : this.state.status;
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
   * Starts, resumes (after a lapsed lease) or replays a confirm. The plan's inputs — override and
   * resolutions — are fixed by the first confirm; a resumed confirm carries them on.
   */
  beginConfirm(input: {
    owner: string;
    now: Date;
    leaseMs: number;
    override: boolean;
    resolutions: Resolutions;
  }): ConfirmStart {
    const { status } = this.state;
    if (status === 'completed') return 'replay';
    if (status === 'confirming') {
      if (this.leaseAlive(input.now)) {
        throw new ConflictError('import_in_progress', 'the import is being confirmed', [
          detail('import_id', 'import_in_progress', this.state.id),
        ]);
      }
      this.takeLease(input.owner, input.now, input.leaseMs);
      return 'resume';
    }
    if (status !== 'validated') {
      throw new ConflictError('import_not_ready', `the import is ${status}`, [
        detail(
          'import_id',
          status === 'failed' ? 'import_failed' : 'import_not_ready',
          this.state.id,
        ),
      ]);
    }
    if (this.isExpired(input.now)) {
      throw new InvalidError(
        [detail('import_id', NOT_FOUND, this.state.id)],
        'import not found or expired',
      );
    }
    this.state.status = 'confirming';
    this.state.override = input.override;
    this.state.resolutions = input.resolutions;
    this.state.confirmedAt = input.now;
    this.takeLease(input.owner, input.now, input.leaseMs);
    return 'start';
  }

  /** The background worker resumes a confirm whose owner stopped renewing its lease. */
  canBeResumed(now: Date): boolean {
    return this.state.status === 'confirming' && !this.leaseAlive(now);
  }

  ownsLease(owner: string): boolean {
    return this.state.leaseOwner === owner;
  }

  /**
   * Every resolution must name an ambiguous row of this session and one of its candidates;
   * otherwise every bad key is listed and nothing is executed. Targets whose rows are never
   * ambiguous ignore resolutions (customers: see the seed 003).
   *
   * @param rows the rows the resolutions name, by row number (absent = no such row)
   */
  static checkResolutions(
    resolutions: Resolutions,
    rows: ReadonlyMap<number, ImportRow<unknown>>,
  ): ErrorDetail[] {
    const errors: ErrorDetail[] = [];
    for (const [key, resolution] of Object.entries(resolutions)) {
      const errorKey = `resolutions.${key}.organization_id`;
      const orgId = resolution?.organization_id;
      const row = /^[1-9]\d{0,8}$/.test(key) ? rows.get(Number(key)) : undefined;
      if (!row) errors.push(detail(errorKey, 'row_not_found', orgId));
      else if (row.status !== 'ambiguous')
        errors.push(detail(errorKey, 'row_not_ambiguous', orgId));
      else if (!candidatesOf(row).some((c) => c.logto_id === orgId)) {
        errors.push(detail(errorKey, 'not_a_candidate', orgId));
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
    const update = (organizationId?: string): RowPlan =>
      row.existingId !== undefined
        ? { kind: 'update', targetId: row.existingId, organizationId }
        : { kind: 'update', targetRow: row.duplicateOf, organizationId };
    switch (row.status) {
      case 'error':
        return { kind: 'skip', reason: 'error' };
      case 'valid':
        return { kind: 'create' };
      case 'warning':
        return override ? update() : { kind: 'skip', reason: 'warning_not_overridden' };
      case 'ambiguous': {
        const organizationId = Object.hasOwn(resolutions, String(row.rowNumber))
          ? resolutions[String(row.rowNumber)].organization_id
          : undefined;
        if (organizationId === undefined) return { kind: 'skip', reason: 'ambiguous_unresolved' };
        if (row.warnings.length === 0) return { kind: 'create', organizationId };
        return override
          ? update(organizationId)
          : { kind: 'skip', reason: 'warning_not_overridden' };
      }
    }
  }

  /** Counts a batch of outcomes; the four counters never exceed the total. */
  recordOutcomes(owner: string, outcomes: readonly RowOutcome[], now: Date, leaseMs: number): void {
    this.expectStatus(['confirming'], 'record outcomes');
    this.expectOwner(owner);
    const next = { ...this.state.outcomes };
    for (const outcome of outcomes) next[outcome.status]++;
    if (sum(next) > this.state.counts.total) {
      throw new Error(`outcomes (${sum(next)}) exceed total rows (${this.state.counts.total})`);
    }
    this.state.outcomes = next;
    this.state.leaseExpiresAt = new Date(now.getTime() + leaseMs);
  }

  /** Every row has its outcome: created + updated + skipped + failed = total rows. */
  complete(owner: string, now: Date): void {
    this.expectStatus(['confirming'], 'complete');
    this.expectOwner(owner);
    if (sum(this.state.outcomes) !== this.state.counts.total) {
      throw new Error(
        `cannot complete: ${sum(this.state.outcomes)} outcomes for ${this.state.counts.total} rows`,
      );
    }
    this.state.status = 'completed';
    this.state.completedAt = now;
    this.state.leaseOwner = null;
    this.state.leaseExpiresAt = null;
    this.state.version++;
  }

  private leaseAlive(now: Date): boolean {
    return (
      this.state.leaseExpiresAt !== null && this.state.leaseExpiresAt.getTime() > now.getTime()
    );
  }

  private takeLease(owner: string, now: Date, leaseMs: number): void {
    this.state.leaseOwner = owner;
    this.state.leaseExpiresAt = new Date(now.getTime() + leaseMs);
    this.state.version++;
  }

  private expectOwner(owner: string): void {
    if (this.state.leaseOwner !== owner) throw new LeaseLostError(this.state.id);
  }

  private expectStatus(allowed: SessionStatus[], action: string): void {
    if (!allowed.includes(this.state.status)) {
      throw new Error(`cannot ${action} an import that is ${this.state.status}`);
    }
  }
}

/** Another instance took the confirm over (our lease lapsed); stop without writing. */
export class LeaseLostError extends Error {
  constructor(sessionId: string) {
    super(`lease on import ${sessionId} lost`);
    this.name = 'LeaseLostError';
  }
}

export function sum(outcomes: OutcomeCounts): number {
  return outcomes.created + outcomes.updated + outcomes.skipped + outcomes.failed;
}
