import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { TransactionRunner } from '../../shared/database/transaction-runner.js';
import { ConflictError, detail } from '../../shared/domain-error.js';
import { Metrics } from '../../shared/metrics/metrics.js';
import { type ImportChange, planRevert, type RevertOutcome } from '../domain/import-change.js';
import { ImportChangeRepository } from '../domain/import-change.repository.js';
import { type Caller, type ImportSession, REVERTABLE_PHASES } from '../domain/import-session.js';
import type { ImportContext, ImportTarget } from '../domain/import-target.js';
import { RevertOutcomeRepository } from '../domain/revert-outcome.repository.js';
import { ImportJobs } from './import-jobs.js';
import { ImportQueries } from './import-queries.js';
import { ImportTargets } from './import-targets.js';
import { type JobLease, JobLeases } from './job-leases.js';
import { BATCH_SIZE } from './validate-import.js';

export interface RevertResult {
  session: ImportSession;
  /** True when the import had already been undone: nothing was done this time. */
  replayed: boolean;
}

type Claimed =
  | { kind: 'replay'; session: ImportSession }
  | { kind: 'run'; session: ImportSession; lease: JobLease };

/**
 * Undo (SPEC §8): a job of phase `reverting`, run under the session's lease by the import jobs
 * — on the caller's instance for a request, or on whichever instance's loop finds it waiting
 * after its instance stopped. Exactly once: the caller that claims the lease runs it, a parallel
 * request gets 409 `import_in_progress`, a request after it ended replays its result. Rows are
 * undone in batches, from the last row back (what the undo log needs, see `planRevert`): each
 * batch locks its records, plans, writes and records its outcomes in one transaction under the
 * lease; a batch whose writes fail is replayed record by record under savepoints, so one record
 * that cannot be reverted is kept (`revert_failed`) alone. Non-atomic: an undo that stops (a
 * shutdown, a lost lease) resumes with the rows that have no outcome yet. An undo is not
 * cancelled: it runs to its end.
 */
@Injectable()
export class RevertImport {
  private readonly logger = new Logger('RevertImport');

  constructor(
    private readonly queries: ImportQueries,
    private readonly changes: ImportChangeRepository,
    private readonly reverts: RevertOutcomeRepository,
    private readonly leases: JobLeases,
    private readonly jobs: ImportJobs,
    private readonly targets: ImportTargets,
    private readonly tx: TransactionRunner,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    jobs.handle('reverting', {
      run: (session, lease) => this.execute(this.targets.get(session.entityType), session, lease),
    });
  }

  /** Undoes the import while the caller waits; a replay when it was already undone. */
  async revert(target: ImportTarget<unknown>, caller: Caller, importId: string) {
    const claimed = await this.claim(target, caller, importId);
    if (claimed.kind === 'replay') return { session: claimed.session, replayed: true };
    const { session, lease } = claimed;
    await this.jobs.runWhileWaiting(lease, () => this.execute(target, session, lease));
    return { session, replayed: false } satisfies RevertResult;
  }

  /**
   * Checks and claims the undo now and runs it in the background (`Prefer: respond-async`).
   * The session comes back `reverting` (or `reverted` for a replay).
   */
  async accept(
    target: ImportTarget<unknown>,
    caller: Caller,
    importId: string,
  ): Promise<RevertResult> {
    const claimed = await this.claim(target, caller, importId);
    if (claimed.kind === 'replay') return { session: claimed.session, replayed: true };
    this.jobs.adopt(claimed.lease, (session, lease) => this.execute(target, session, lease));
    return { session: claimed.session, replayed: false };
  }

  private async claim(
    target: ImportTarget<unknown>,
    caller: Caller,
    importId: string,
  ): Promise<Claimed> {
    const undoSeconds = this.config.IMPORT_UNDO_SECONDS;
    const session = await this.queries.get(target.entityType, caller, importId);
    session.assertOwnedBy(caller);
    if (session.revertStart(new Date(), undoSeconds) === 'replay')
      return { kind: 'replay', session };
    const begun = await this.leases.begin(
      session.id,
      [...REVERTABLE_PHASES, 'reverting'],
      (fresh) => fresh.beginRevert(new Date(), undoSeconds),
    );
    if (!begun) {
      // Another undo holds it (or is about to), or it has just ended: a replay.
      const fresh = (await this.queries.reload(session)) ?? session;
      if (fresh.revertStart(new Date(), undoSeconds) === 'replay')
        return { kind: 'replay', session: fresh };
      throw new ConflictError('import_in_progress', 'the import is being undone', [
        detail('import_id', 'import_in_progress', session.id),
      ]);
    }
    if (begun.start === 'replay') return { kind: 'replay', session: begun.session };
    if (begun.start === 'resume') {
      this.logger.log({ import_id: session.id }, 'resuming an interrupted undo');
      if (begun.lease.takeover) this.metrics.leaseTakeover('reverting');
    }
    return { kind: 'run', session: begun.session, lease: begun.lease };
  }

  /**
   * Runs the remaining batches; the last one (fewer rows than a batch holds) also ends the
   * session `reverted`, in the same transaction. Between batches the job stops if it must
   * (JobStopped).
   */
  private async execute(
    target: ImportTarget<unknown>,
    session: ImportSession,
    lease: JobLease,
  ): Promise<void> {
    const context = session.context;
    await this.changes.revertStarts(session.id, session.written);
    for (let ended = false; !ended;) {
      lease.checkpoint();
      ended = await this.leases.underLease(lease, async () => {
        const changes = await this.changes.pendingReverts(session.id, BATCH_SIZE);
        if (changes.length > 0) {
          const outcomes = await this.revertBatch(target, context, changes);
          session.recordReverts(outcomes, new Date());
          await this.reverts.append(session.id, outcomes);
        }
        const last = changes.length < BATCH_SIZE;
        if (last) {
          session.completeRevert(new Date());
          await this.leases.finish(lease, session);
        } else await this.leases.save(lease, session);
        return last;
      });
    }
    await this.reverts.outcomesLoaded(session.id, session.written);
    this.metrics.importFinished(session.entityType, session.channel.kind, 'reverted');
    this.logger.log({ import_id: session.id, ...session.reverts }, 'import undone');
  }

  /**
   * One batch (rows last to first): its records locked and read in one statement, the plan, its
   * writes in one go — or, if they fail, record by record under savepoints, so that a record
   * that cannot be reverted is kept (`revert_failed`) and the others are not held up.
   */
  private async revertBatch(
    target: ImportTarget<unknown>,
    context: ImportContext,
    changes: ImportChange[],
  ): Promise<RevertOutcome[]> {
    const ids = [...new Set(changes.map((c) => c.entityId))];
    const records = await target.lockForRevert(ids, context);
    const { outcomes, actions } = planRevert(changes, records);
    if (actions.length === 0) return outcomes;
    try {
      await this.tx.savepoint(() => target.revert(actions, context));
      return outcomes;
    } catch {
      const failed = new Map<string, string>();
      for (const action of actions) {
        try {
          await this.tx.savepoint(() => target.revert([action], context));
        } catch (error) {
          failed.set(action.id, target.describeFailure(error));
        }
      }
      return outcomes.map((o) => (failed.has(o.id) ? keptFailed(o, failed.get(o.id)!) : o));
    }
  }
}

/** A row whose record could not be reverted: kept as it is, with why. */
function keptFailed(outcome: RevertOutcome, error: string): RevertOutcome {
  return {
    rowNumber: outcome.rowNumber,
    id: outcome.id,
    status: 'kept',
    reason: 'revert_failed',
    error,
  };
}
