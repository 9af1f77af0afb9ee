import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ShutdownState } from '../../shared/lifecycle/shutdown-state.js';
import { ConflictError, detail, UnavailableError } from '../../shared/domain-error.js';
import { Metrics } from '../../shared/metrics/metrics.js';
import type { ImportSession, Phase } from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import type { ChannelKind } from '../domain/import-target.js';
import { JobLeaseRepository } from '../domain/job-lease.repository.js';
import { isStopped, type JobLease, JobLeases } from './job-leases.js';

/** Does the work of sessions in one phase (validate, collect, confirm, revert). */
export interface JobHandler {
  run(session: ImportSession, lease: JobLease): Promise<void>;
}

/** Told when an import of its channel ends (completed, failed or cancelled). */
export type FinishHook = (session: ImportSession) => Promise<void>;

const TICK_MS = 1_000;
const PURGE_EVERY_MS = 60_000;

/**
 * One background loop per instance serves every kind of import job (SPEC §8): sessions whose
 * phase needs work and whose lease is free or lapsed are claimed, up to
 * `IMPORT_JOB_CONCURRENCY` at a time on this instance, and run by the handler of their phase.
 * A job accepted by this instance starts here at once (`start`); one whose instance stopped is
 * picked up by any instance's loop. The loop also purges ended sessions after retention.
 */
@Injectable()
export class ImportJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ImportJobs');
  private readonly handlers = new Map<Phase, JobHandler>();
  private readonly finishHooks = new Map<ChannelKind, FinishHook>();
  private readonly running = new Map<string, { job: Promise<void>; lease: JobLease }>();
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private lastPurge = 0;

  constructor(
    private readonly leases: JobLeases,
    private readonly leaseStore: JobLeaseRepository,
    private readonly sessions: ImportSessionRepository,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    shutdown: ShutdownState,
  ) {
    // Background jobs stop at their next batch the moment shutdown begins and give their leases
    // up, so another instance resumes them at once; requests in flight still get their time.
    shutdown.onBegin('stop background import jobs', () => {
      clearInterval(this.timer);
      for (const { lease } of this.running.values()) lease.halt('shutdown');
    });
  }

  /** The handler of a phase's jobs (each phase has one). */
  handle(phase: Phase, handler: JobHandler): void {
    this.handlers.set(phase, handler);
  }

  /** What to do when an import of this channel ends (e.g. tell the app, notify the staff). */
  onFinished(channel: ChannelKind, hook: FinishHook): void {
    this.finishHooks.set(channel, hook);
  }

  /** Runs the finish hook of the session's channel; a failing hook is logged, never thrown. */
  async finished(session: ImportSession): Promise<void> {
    const hook = this.finishHooks.get(session.channel.kind);
    if (!hook) return;
    try {
      await hook(session);
    } catch (error) {
      this.logger.warn({ err: error, import_id: session.id }, 'finish hook failed');
    }
  }

  /**
   * Ends the leased session `cancelled` — its job stopped at a batch boundary, or none was
   * running — and runs its channel's finish hook. Rows already written stay written.
   */
  async cancel(lease: JobLease): Promise<ImportSession> {
    const session = await this.sessions.findById(lease.sessionId);
    if (!session) throw new Error(`import ${lease.sessionId} is gone`);
    if (session.phase === 'cancelled') return session; // already done (idempotent)
    session.cancel(new Date());
    await this.leases.finish(lease, session);
    this.metrics.importFinished(session.entityType, session.channel.kind, 'cancelled');
    await this.finished(session);
    return session;
  }

  /**
   * Runs, while the caller waits, the job of a session whose lease the caller holds (a
   * synchronous confirm or undo); the lease is given back when it ends. A job that had to stop
   * answers: cancelled → 409 `import_cancelled`; shutdown or a lost lease → 503 (another
   * instance resumes it).
   */
  async runWhileWaiting<T>(lease: JobLease, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isStopped(error, 'cancelled'))
        throw new ConflictError('import_cancelled', 'the import was cancelled', [
          detail('import_id', 'import_cancelled', lease.sessionId),
        ]);
      if (isStopped(error))
        throw new UnavailableError(
          'the import stopped on this server; another server resumes it (follow its status)',
        );
      throw error;
    } finally {
      await this.leases.release(lease);
    }
  }

  /** Jobs running on this instance. */
  get runningCount(): number {
    return this.running.size;
  }

  onApplicationBootstrap(): void {
    // Unit and in-process e2e tests run jobs they start (`start`), not the polling loop, unless
    // asked to (IMPORT_WORKER), so that tests never pick up each other's sessions.
    if (this.config.NODE_ENV === 'test' && !process.env.IMPORT_WORKER) return;
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, TICK_MS);
    this.timer.unref();
  }

  /** Jobs were stopped and their leases given up by the shutdown hook of JobLeases. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await this.leases.stopAll(0);
    await Promise.allSettled([...this.running.values()].map((r) => r.job));
  }

  /** Claims the session and runs its job here, in the background, if it needs one. */
  async start(sessionId: string): Promise<boolean> {
    const phases = [...this.handlers.keys()];
    if (this.running.has(sessionId)) return true;
    const lease = await this.leases.claim(sessionId, phases);
    if (!lease) return false;
    this.adopt(lease);
    return true;
  }

  /**
   * Runs in the background the job of a session whose lease the caller already holds (an
   * asynchronous request hands its work over); the lease is released when it ends.
   */
  adopt(lease: JobLease, work?: JobHandler['run']): void {
    const job = this.run(lease, work).finally(() => this.running.delete(lease.sessionId));
    this.running.set(lease.sessionId, { job, lease });
  }

  /** One pass: claim waiting jobs up to the concurrency cap, then purge now and then. */
  async tick(): Promise<void> {
    try {
      const free = this.config.IMPORT_JOB_CONCURRENCY - this.running.size;
      if (free > 0 && !this.leases.shuttingDown) {
        const waiting = await this.leaseStore.findWaiting([...this.handlers.keys()], free);
        for (const { sessionId } of waiting) await this.start(sessionId);
      }
      if (Date.now() - this.lastPurge >= PURGE_EVERY_MS) {
        this.lastPurge = Date.now();
        await this.purge();
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'import jobs pass failed');
    }
  }

  /**
   * Deletes sessions ended (or left validated) longer than the retention ago — an import that can
   * be undone only once its undo window (IMPORT_UNDO_SECONDS) has closed too.
   */
  async purge(): Promise<number> {
    const now = Date.now();
    const purged = await this.sessions.purge({
      endedBefore: new Date(now - this.config.IMPORT_SESSION_RETENTION_SECONDS * 1000),
      undoEndedBefore: new Date(now - this.config.IMPORT_UNDO_SECONDS * 1000),
    });
    if (purged > 0) this.logger.log({ purged }, 'purged import sessions past retention');
    return purged;
  }

  private async run(lease: JobLease, work?: JobHandler['run']): Promise<void> {
    try {
      const session = await this.sessions.findById(lease.sessionId);
      if (!session) return;
      const handler = this.handlers.get(session.phase);
      const job =
        work ?? (handler ? (s: ImportSession, l: JobLease) => handler.run(s, l) : undefined);
      if (!job) return;
      if (lease.takeover) {
        this.logger.log(
          { import_id: session.id, phase: session.phase },
          'taking over an import job',
        );
        this.metrics.leaseTakeover(session.phase);
      }
      await job(session, lease);
    } catch (error) {
      if (!isStopped(error))
        this.logger.error({ err: error, import_id: lease.sessionId }, 'import job failed');
    } finally {
      await this.leases.release(lease);
    }
  }
}
