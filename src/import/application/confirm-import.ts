import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { TransactionRunner } from '../../shared/database/transaction-runner.js';
import { detail, InvalidError } from '../../shared/domain-error.js';
import { Metrics, NoMetrics, secondsSince } from '../../shared/metrics/metrics.js';
import type { RowOutcome } from '../domain/import-row.js';
import {
  type Caller,
  ImportSession,
  LeaseLostError,
  type Resolutions,
  type RowPlan,
} from '../domain/import-session.js';
import { ImportSessionRepository, type StoredRow } from '../domain/import-session.repository.js';
import type {
  ImportOptions,
  ImportTarget,
  RowAction,
  WriteResult,
} from '../domain/import-target.js';

/** Rows per batch: one multi-row statement each, and one transaction with their outcomes. */
export const BATCH_SIZE = 2500;

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

/**
 * Confirm (SPEC §6.2): exactly once, crash-safe, non-atomic. One caller claims the session
 * (a lease renewed by a heartbeat); rows are executed in batches whose entity writes and
 * outcomes commit together; a batch that fails is replayed row by row under savepoints so that
 * one bad row fails alone. A lapsed lease lets the next confirm — or the worker — resume the
 * rows that have no outcome yet.
 */
@Injectable()
export class ConfirmImport {
  private readonly logger = new Logger('ConfirmImport');
  private readonly instance = `${hostname()}:${process.pid}`;

  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly tx: TransactionRunner,
    config: AppConfig,
    private readonly metrics: Metrics = new NoMetrics(),
  ) {
    this.leaseMs = config.IMPORT_LEASE_SECONDS * 1000;
  }

  private readonly leaseMs: number;

  async confirm(
    target: ImportTarget<unknown>,
    caller: Caller,
    request: ConfirmRequest,
    observe?: OutcomeObserver,
  ): Promise<ConfirmResult> {
    const session = await this.load(request.importId);
    const now = new Date();
    session.assertConfirmableBy(caller, target.entityType, now);
    const resolutions = target.resolvesReferences ? request.resolutions : {};
    if (session.status === 'validated') await this.checkResolutions(session, resolutions);
    return this.claimAndRun(target, session, { override: request.override, resolutions }, observe);
  }

  /** The worker's entry: resume a confirm whose owner died. */
  async resume(target: ImportTarget<unknown>, sessionId: string): Promise<boolean> {
    const session = await this.sessions.findById(sessionId);
    if (!session || !session.canBeResumed(new Date())) return false;
    try {
      await this.claimAndRun(target, session, { override: false, resolutions: {} });
      return true;
    } catch (error) {
      this.logger.warn({ err: error, import_id: sessionId }, 'resume did not run');
      return false;
    }
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

  private async checkResolutions(session: ImportSession, resolutions: Resolutions): Promise<void> {
    const keys = Object.keys(resolutions);
    if (keys.length === 0) return;
    const numbers = keys.filter((k) => /^[1-9]\d{0,8}$/.test(k)).map(Number);
    const rows = await this.sessions.findRows(session.id, numbers);
    const errors = ImportSession.checkResolutions(resolutions, rows);
    if (errors.length > 0) throw new InvalidError(errors, 'invalid resolutions');
  }

  private async claimAndRun(
    target: ImportTarget<unknown>,
    session: ImportSession,
    plan: { override: boolean; resolutions: Resolutions },
    observe?: OutcomeObserver,
  ): Promise<ConfirmResult> {
    const owner = `${this.instance}:${randomUUID()}`;
    const version = session.snapshot.version;
    const start = session.beginConfirm({ owner, now: new Date(), leaseMs: this.leaseMs, ...plan });
    if (start === 'replay') return { session, replayed: true, observedAll: false };
    if (!(await this.sessions.save(session, version))) {
      // Another confirm claimed it between our read and our write: decide again on fresh state.
      const fresh = await this.load(session.id);
      fresh.beginConfirm({ owner, now: new Date(), leaseMs: this.leaseMs, ...plan }); // throws 409 unless completed
      return { session: fresh, replayed: true, observedAll: false };
    }
    if (start === 'resume') {
      this.logger.log({ import_id: session.id }, 'resuming an interrupted confirm');
      this.metrics.leaseTakeover('confirm');
    }
    const startedAt = performance.now();
    await this.execute(target, session, owner, observe);
    this.metrics.confirmDuration(
      target.entityType,
      session.snapshot.channel,
      secondsSince(startedAt),
    );
    this.metrics.importFinished(target.entityType, session.snapshot.channel, 'completed');
    return { session, replayed: false, observedAll: start === 'start' && observe !== undefined };
  }

  private async execute(
    target: ImportTarget<unknown>,
    session: ImportSession,
    owner: string,
    observe?: OutcomeObserver,
  ): Promise<void> {
    const heartbeat = setInterval(() => {
      this.sessions
        .renewLease(session.id, owner, new Date(Date.now() + this.leaseMs))
        .catch((error: unknown) =>
          this.logger.warn({ err: error, import_id: session.id }, 'lease renewal failed'),
        );
    }, this.leaseMs / 3);
    heartbeat.unref();
    try {
      await this.runBatches(target, session, owner, observe);
      await this.tx.run(async () => {
        if (!(await this.sessions.lockForOwner(session.id, owner)))
          throw new LeaseLostError(session.id);
        const version = session.snapshot.version;
        session.complete(owner, new Date());
        await this.sessions.save(session, version);
      });
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Batches overlap by one: a batch's entity writes run while the previous batch records its
   * outcomes and commits (two transactions, so PostgreSQL and this process work at once). Order
   * is kept where it matters: a batch records its outcomes and commits only after the previous
   * one has committed (outcomes are appended in row order, which resume relies on), its writes
   * start only once the previous batch's writes are done (so neither can wait for the other's
   * locks), and a batch that updates a row created by an earlier batch waits for that batch's
   * commit. The lease is checked under the session's row lock before the outcomes are recorded;
   * a lost lease rolls the batch back, writes included.
   */
  private async runBatches(
    target: ImportTarget<unknown>,
    session: ImportSession,
    owner: string,
    observe?: OutcomeObserver,
  ): Promise<void> {
    let committed: Promise<unknown> = Promise.resolve();
    let observed: Promise<void> = Promise.resolve();
    let failure: { error: unknown } | undefined;
    const fail = (error: unknown): void => {
      failure ??= { error };
    };
    // The next batch is read while the current one is written (it starts past the current one).
    let next = this.sessions.pendingRows(session.id, 0, BATCH_SIZE);
    try {
      for (;;) {
        const rows = await next;
        if (failure || rows.length === 0) break;
        const after = rows[rows.length - 1].rowNumber;
        next = this.sessions.pendingRows(session.id, after, BATCH_SIZE);
        next.catch(() => undefined); // awaited on the next turn
        const planned = rows.map((row) => ({ row, plan: session.planFor(row) }));
        if (planned.some(({ plan }) => earlierTargetRow(plan, rows[0].rowNumber) !== undefined))
          await committed;
        const previous = committed;
        let writesDone!: () => void;
        const written = new Promise<void>((resolve) => (writesDone = resolve));
        const batch = this.tx.run(async () => {
          const outcomes = await this.executeBatch(target, session, planned);
          writesDone();
          await previous;
          if (!(await this.sessions.lockForOwner(session.id, owner)))
            throw new LeaseLostError(session.id);
          session.recordOutcomes(owner, outcomes, new Date(), this.leaseMs);
          await this.sessions.recordOutcomes(session, outcomes);
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

  /** One outcome per row, in row order. */
  private async executeBatch(
    target: ImportTarget<unknown>,
    session: ImportSession,
    planned: Planned[],
  ): Promise<RowOutcome[]> {
    const { businessUid, options } = session.snapshot;
    const firstRow = planned[0].row.rowNumber;
    const outcomes = new Map<number, RowOutcome>();
    // An update of a row created earlier in the file (a `multi` duplicate) needs that row's id:
    // from an earlier batch's outcome, or from this batch once its first wave is written.
    const earlierRows = planned.flatMap(({ plan }) => earlierTargetRow(plan, firstRow) ?? []);
    const earlier =
      earlierRows.length > 0
        ? await this.sessions.findRows(session.id, earlierRows)
        : new Map<number, StoredRow>();
    const idOf = (rowNumber: number): string | undefined => {
      const outcome = outcomes.get(rowNumber) ?? earlier.get(rowNumber)?.outcome;
      return outcome && 'id' in outcome ? outcome.id : undefined;
    };
    const toAction = ({ row, plan }: Planned): RowAction<unknown> | null => {
      const base = { rowNumber: row.rowNumber, payload: row.payload };
      if (plan.kind === 'create')
        return { ...base, kind: 'create', organizationId: plan.organizationId };
      if (plan.kind !== 'update') return null;
      const targetId = plan.targetId ?? idOf(plan.targetRow!);
      if (targetId)
        return { ...base, kind: 'update', targetId, organizationId: plan.organizationId };
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
      for (const outcome of await this.write(target, businessUid, actions, options)) {
        outcomes.set(outcome.rowNumber, outcome);
      }
    }
    return planned.map(({ row }) => outcomes.get(row.rowNumber)!);
  }

  /** The batch in one go; if that fails, row by row under savepoints so one bad row fails alone. */
  private async write(
    target: ImportTarget<unknown>,
    businessUid: string,
    actions: RowAction<unknown>[],
    options: ImportOptions,
  ): Promise<RowOutcome[]> {
    if (actions.length === 0) return [];
    try {
      const results = await this.tx.savepoint(() => target.write(businessUid, actions, options));
      return results.map(toOutcome);
    } catch {
      const outcomes: RowOutcome[] = [];
      for (const action of actions) {
        try {
          const [result] = await this.tx.savepoint(() =>
            target.write(businessUid, [action], options),
          );
          outcomes.push(toOutcome(result));
        } catch (error) {
          outcomes.push({
            rowNumber: action.rowNumber,
            status: 'failed',
            error: target.describeFailure(error),
          });
        }
      }
      return outcomes;
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

function notImported(rowNumber: number, targetRow: number | undefined): RowOutcome {
  return {
    rowNumber,
    status: 'failed',
    error: `row ${targetRow ?? '?'}, which this row repeats, was not imported`,
  };
}
