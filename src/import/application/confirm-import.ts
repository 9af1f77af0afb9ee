import { Injectable, Logger } from '@nestjs/common';
import { TransactionRunner } from '../../shared/database/transaction-runner.js';
import { Metrics, secondsSince } from '../../shared/metrics/metrics.js';
import { ConflictError, detail, InvalidError } from '../../shared/domain-error.js';
import type { ImportChange } from '../domain/import-change.js';
import { ImportChangeRepository } from '../domain/import-change.repository.js';
import type { RowOutcome } from '../domain/import-row.js';
import { ImportOutcomeRepository } from '../domain/import-outcome.repository.js';
import { ImportRowRepository, type StoredRow } from '../domain/import-row.repository.js';
import {
  type Caller,
  type ConfirmStart,
  ImportSession,
  type Resolutions,
  type RowPlan,
} from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import type {
  ImportContext,
  ImportTarget,
  RowAction,
  WriteResult,
} from '../domain/import-target.js';
import { ImportJobs } from './import-jobs.js';
import { ImportTargets } from './import-targets.js';
import { isStopped, type JobLease, JobLeases } from './job-leases.js';
import { BATCH_SIZE } from './validate-import.js';

export interface ConfirmRequest {
  importId: string;
  override: boolean;
  resolutions: Resolutions;
}

export interface ConfirmResult {
  session: ImportSession;
  /** True when the session had already been confirmed: nothing was written this time. */
  replayed: boolean;
  /** True when this call executed every row, so the observer saw every outcome. */
  observedAll: boolean;
}

/** Sees each batch of outcomes once it is committed, in row order. */
export type OutcomeObserver = (outcomes: readonly RowOutcome[]) => Promise<void>;

interface Planned {
  row: StoredRow;
  plan: RowPlan;
}

/** A batch's outcomes, and what its writes changed (the undo log). */
interface Executed {
  outcomes: RowOutcome[];
  changes: ImportChange[];
}

type Claimed =
  | { kind: 'replay'; session: ImportSession }
  | { kind: 'run'; session: ImportSession; lease: JobLease; start: ConfirmStart };

/**
 * Confirm (SPEC §6.2, §8): exactly once, crash-safe, non-atomic. The caller that claims the
 * session's lease runs it; rows are executed in batches whose entity writes and outcomes commit
 * together under the lease; a batch that fails is replayed row by row under savepoints so that
 * one bad row fails alone. Between batches the job stops if it was cancelled, if the server
 * shuts down or if it lost its lease; whichever instance claims the lease next resumes the rows
 * that have no outcome yet.
 */
@Injectable()
export class ConfirmImport {
  private readonly logger = new Logger('ConfirmImport');

  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly rows: ImportRowRepository,
    private readonly outcomes: ImportOutcomeRepository,
    private readonly changes: ImportChangeRepository,
    private readonly leases: JobLeases,
    private readonly jobs: ImportJobs,
    private readonly targets: ImportTargets,
    private readonly tx: TransactionRunner,
    private readonly metrics: Metrics,
  ) {
    jobs.handle('confirming', {
      run: (session, lease) => this.execute(this.targets.get(session.entityType), session, lease),
    });
  }

  /** Confirms while the caller waits; a replay when the session was already confirmed. */
  async confirm(
    target: ImportTarget<unknown>,
    caller: Caller,
    request: ConfirmRequest,
    observe?: OutcomeObserver,
  ): Promise<ConfirmResult> {
    const claimed = await this.claim(target, caller, request);
    if (claimed.kind === 'replay')
      return { session: claimed.session, replayed: true, observedAll: false };
    const { session, lease, start } = claimed;
    await this.jobs.runWhileWaiting(lease, () => this.execute(target, session, lease, observe));
    return { session, replayed: false, observedAll: start === 'start' && observe !== undefined };
  }

  /**
   * Checks and claims the confirm now and runs it in the background (`Prefer: respond-async`).
   * The session comes back `confirming` (or `completed` for a replay).
   */
  async accept(
    target: ImportTarget<unknown>,
    caller: Caller,
    request: ConfirmRequest,
  ): Promise<{ session: ImportSession; replayed: boolean }> {
    const claimed = await this.claim(target, caller, request);
    if (claimed.kind === 'replay') return { session: claimed.session, replayed: true };
    this.jobs.adopt(claimed.lease, (session, lease) => this.execute(target, session, lease));
    return { session: claimed.session, replayed: false };
  }

  /**
   * Confirms a session whose lease the caller holds (an app import, once collected): fixes its
   * plan and executes it.
   */
  async confirmLeased(
    target: ImportTarget<unknown>,
    session: ImportSession,
    lease: JobLease,
    plan: { override: boolean; resolutions: Resolutions },
  ): Promise<void> {
    if (session.beginConfirm({ now: new Date(), ...plan }) === 'start')
      await this.leases.save(lease, session);
    await this.execute(target, session, lease);
  }

  private async claim(
    target: ImportTarget<unknown>,
    caller: Caller,
    request: ConfirmRequest,
  ): Promise<Claimed> {
    const session = await this.load(request.importId);
    session.assertConfirmableBy(caller, target.entityType, new Date());
    if (session.phase === 'completed') return { kind: 'replay', session };
    const resolutions = target.resolves ? request.resolutions : {};
    if (session.phase === 'validated') await this.checkResolutions(session, resolutions, target);
    const plan = { override: request.override, resolutions };
    const begun = await this.leases.begin(session.id, ['validated', 'confirming'], (fresh) =>
      fresh.beginConfirm({ now: new Date(), ...plan }),
    );
    if (!begun) {
      // Another confirm holds it, or it moved on (completed: a replay; cancelled, …: a 409).
      const fresh = await this.load(session.id);
      if (fresh.phase !== 'validated' && fresh.phase !== 'confirming') {
        fresh.beginConfirm({ now: new Date(), ...plan });
        return { kind: 'replay', session: fresh };
      }
      throw new ConflictError('import_in_progress', 'the import is being confirmed', [
        detail('import_id', 'import_in_progress', session.id),
      ]);
    }
    if (begun.start === 'replay') return { kind: 'replay', session: begun.session };
    if (begun.start === 'resume') {
      this.logger.log({ import_id: session.id }, 'resuming an interrupted confirm');
      if (begun.lease.takeover) this.metrics.leaseTakeover('confirming');
    }
    return { kind: 'run', session: begun.session, lease: begun.lease, start: begun.start };
  }

  /**
   * Runs the remaining batches and completes the session; a cancel ends it `cancelled` (rows
   * written stay written). Throws JobStopped when it stopped without finishing.
   */
  private async execute(
    target: ImportTarget<unknown>,
    session: ImportSession,
    lease: JobLease,
    observe?: OutcomeObserver,
  ): Promise<void> {
    const startedAt = performance.now();
    try {
      await this.runBatches(target, session, lease, observe);
      await this.leases.underLease(lease, async () => {
        session.complete(new Date());
        await this.leases.finish(lease, session);
      });
    } catch (error) {
      if (isStopped(error, 'cancelled')) await this.jobs.cancel(lease);
      throw error;
    }
    const channel = session.channel.kind;
    this.metrics.confirmDuration(target.entityType, channel, secondsSince(startedAt));
    this.metrics.importFinished(target.entityType, channel, 'completed');
    await this.jobs.finished(session);
  }

  private async load(importId: string): Promise<ImportSession> {
    const session = await this.sessions.findById(importId);
    if (!session) {
      throw new InvalidError(
        [detail('import_id', 'not_found_or_expired', importId)],
        'import not found or expired',
      );
    }
    return session;
  }

  private async checkResolutions(
    session: ImportSession,
    resolutions: Resolutions,
    target: ImportTarget<unknown>,
  ): Promise<void> {
    const keys = Object.keys(resolutions);
    if (keys.length === 0 || !target.resolves) return;
    const numbers = keys.filter((k) => /^[1-9]\d{0,8}$/.test(k)).map(Number);
    const rows = await this.rows.findRows(session.id, numbers);
    const errors = ImportSession.checkResolutions(resolutions, rows, target.resolves.field);
    if (errors.length > 0) throw new InvalidError(errors, 'invalid resolutions');
  }

  /**
   * Batches overlap by one: a batch's entity writes run while the previous batch records its
   * outcomes and commits (two transactions, so PostgreSQL and this process work at once). Order
   * is kept where it matters: a batch records its outcomes and commits only after the previous
   * one has committed (outcomes are appended in row order, which resume relies on), its writes
   * start only once the previous batch's writes are done (so neither can wait for the other's
   * locks), and a batch that updates a row created by an earlier batch waits for that batch's
   * commit. The lease is checked under the session's row lock before the outcomes are recorded;
   * a lost lease rolls the batch back, writes included. Between batches, `checkpoint` stops the
   * job if it must stop.
   */
  private async runBatches(
    target: ImportTarget<unknown>,
    session: ImportSession,
    lease: JobLease,
    observe?: OutcomeObserver,
  ): Promise<void> {
    const context = session.context;
    let committed: Promise<unknown> = Promise.resolve();
    let observed: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown): void => {
      failure ??= { error };
    };
    // The next batch is read while the current one is written (it starts past the current one).
    let next = this.rows.pendingRows(session.id, 0, BATCH_SIZE);
    try {
      for (;;) {
        const rows = await next;
        if (failure || rows.length === 0) break;
        lease.checkpoint();
        const after = rows[rows.length - 1].rowNumber;
        next = this.rows.pendingRows(session.id, after, BATCH_SIZE);
        next.catch(() => undefined); // awaited on the next turn
        const planned = rows.map((row) => ({ row, plan: session.planFor(row) }));
        if (planned.some(({ plan }) => earlierTargetRow(plan, rows[0].rowNumber) !== undefined))
          await committed;
        const previous = committed;
        let writesDone!: () => void;
        const written = new Promise<void>((resolve) => (writesDone = resolve));
        const batch = this.tx.run(async () => {
          const { outcomes, changes } = await this.executeBatch(
            target,
            session.id,
            context,
            planned,
          );
          writesDone();
          await previous;
          await this.leases.assertHeld(lease);
          session.recordOutcomes(outcomes, new Date());
          await this.outcomes.append(session.id, outcomes);
          // What undo needs, committed with the writes it describes.
          await this.changes.append(session.id, changes);
          await this.leases.save(lease, session);
          return outcomes;
        });
        batch.catch(fail);
        committed = batch;
        const observedBefore = observed;
        observed = batch.then(async (outcomes) => {
          this.metrics.rowsProcessed(target.entityType, outcomes);
          await observedBefore;
          await observe?.(outcomes);
        });
        observed.catch(fail);
        await Promise.race([
          written,
          batch.then(
            () => undefined,
            () => undefined,
          ),
        ]);
      }
    } finally {
      // Whatever stopped the loop, the batch in flight settles before confirm answers.
      await Promise.allSettled([committed, observed]);
    }
    if (failure) throw failure.error;
  }

  /** One outcome per row, in row order, and a change per row written. */
  private async executeBatch(
    target: ImportTarget<unknown>,
    sessionId: string,
    context: ImportContext,
    planned: Planned[],
  ): Promise<Executed> {
    const firstRow = planned[0].row.rowNumber;
    const outcomes = new Map<number, RowOutcome>();
    const changes: ImportChange[] = [];
    // An update of a row created earlier in the file (a `multi` duplicate) needs that row's id:
    // from an earlier batch's outcome, or from this batch once its first wave is written.
    const earlierRows = planned.flatMap(({ plan }) => earlierTargetRow(plan, firstRow) ?? []);
    const earlier =
      earlierRows.length > 0
        ? await this.rows.findRows(sessionId, earlierRows)
        : new Map<number, StoredRow>();
    const idOf = (rowNumber: number): string | undefined => {
      const outcome = outcomes.get(rowNumber) ?? earlier.get(rowNumber)?.outcome;
      return outcome && 'id' in outcome ? outcome.id : undefined;
    };
    const toAction = ({ row, plan }: Planned): RowAction<unknown> | null => {
      const base = { rowNumber: row.rowNumber, payload: row.payload };
      if (plan.kind === 'create') return { ...base, kind: 'create', resolved: plan.resolved };
      if (plan.kind !== 'update') return null;
      const targetId = plan.targetId ?? idOf(plan.targetRow!);
      if (targetId) return { ...base, kind: 'update', targetId, resolved: plan.resolved };
      outcomes.set(row.rowNumber, notImported(row.rowNumber, plan.targetRow));
      return null;
    };

    const firstWave: Planned[] = [];
    const secondWave: Planned[] = [];
    for (const p of planned) {
      if (p.plan.kind === 'skip') {
        outcomes.set(p.row.rowNumber, {
          rowNumber: p.row.rowNumber,
          status: 'skipped',
          reason: p.plan.reason,
        });
      } else if (
        p.plan.kind === 'update' &&
        p.plan.targetId === undefined &&
        p.plan.targetRow! >= firstRow
      ) {
        secondWave.push(p);
      } else firstWave.push(p);
    }
    for (const wave of [firstWave, secondWave]) {
      const actions = wave.map(toAction).filter((a): a is RowAction<unknown> => a !== null);
      const written = await this.write(target, context, actions);
      for (const outcome of written.outcomes) outcomes.set(outcome.rowNumber, outcome);
      changes.push(...written.changes);
    }
    return {
      outcomes: planned.map(({ row }) => outcomes.get(row.rowNumber)!),
      changes: changes.sort((a, b) => a.rowNumber - b.rowNumber),
    };
  }

  /**
   * The batch in one go; if that fails, row by row under savepoints so one bad row fails alone.
   * Each row written brings what it changed.
   */
  private async write(
    target: ImportTarget<unknown>,
    context: ImportContext,
    actions: RowAction<unknown>[],
  ): Promise<Executed> {
    if (actions.length === 0) return { outcomes: [], changes: [] };
    try {
      const results = await this.tx.savepoint(() => target.write(actions, context));
      return { outcomes: results.map(toOutcome), changes: results.map(toChange) };
    } catch {
      const outcomes: RowOutcome[] = [];
      const changes: ImportChange[] = [];
      for (const action of actions) {
        try {
          const [result] = await this.tx.savepoint(() => target.write([action], context));
          outcomes.push(toOutcome(result));
          changes.push(toChange(result));
        } catch (error) {
          outcomes.push({
            rowNumber: action.rowNumber,
            status: 'failed',
            error: target.describeFailure(error),
          });
        }
      }
      return { outcomes, changes };
    }
  }
}

/** The row of an earlier batch that a `multi` duplicate updates (it needs that row's outcome). */
function earlierTargetRow(plan: RowPlan, firstRow: number): number | undefined {
  return plan.kind === 'update' && plan.targetId === undefined && plan.targetRow! < firstRow
    ? plan.targetRow
    : undefined;
}

function toOutcome(result: WriteResult): RowOutcome {
  return { rowNumber: result.rowNumber, status: result.status, id: result.id };
}

function toChange(result: WriteResult): ImportChange {
  const { rowNumber, id: entityId } = result;
  return result.status === 'created'
    ? { rowNumber, entityId, kind: 'created', written: result.written }
    : { rowNumber, entityId, kind: 'updated', before: result.before, written: result.written };
}

function notImported(rowNumber: number, targetRow: number | undefined): RowOutcome {
  return {
    rowNumber,
    status: 'failed',
    error: `row ${targetRow ?? '?'}, which this row repeats, was not imported`,
  };
}
