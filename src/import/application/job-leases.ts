import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { TransactionRunner } from '../../shared/database/transaction-runner.js';
import { ShutdownState } from '../../shared/lifecycle/shutdown-state.js';
import type { ImportSession, Phase } from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import { JobLeaseRepository } from '../domain/job-lease.repository.js';

/** What a request for a job turns into, decided on the session as it is under the lease. */
export type JobStart = 'start' | 'resume' | 'replay';

/** A job begun under its lease, or found already done (a replay: no lease is held). */
export type BegunJob =
  | { start: 'replay'; session: ImportSession }
  | { start: 'start' | 'resume'; session: ImportSession; lease: JobLease };

/** Why a job stops at a batch boundary without finishing. */
export type StopReason = 'lease_lost' | 'shutdown' | 'cancelled';

/**
 * Thrown at a batch boundary (or by a write under a lease) when the job must stop: its lease was
 * lost (another instance took the job over: write nothing more, tell no one), the server is
 * shutting down (the lease is given up so another instance resumes at once), or someone asked
 * to cancel the import (the holder ends the session `cancelled`).
 */
export class JobStopped extends Error {
  constructor(
    readonly reason: StopReason,
    sessionId: string,
  ) {
    super(`job on import ${sessionId} stopped: ${reason.replace('_', ' ')}`);
    this.name = 'JobStopped';
  }
}

export function isStopped(error: unknown, reason?: StopReason): error is JobStopped {
  return error instanceof JobStopped && (reason === undefined || error.reason === reason);
}

/**
 * The right to work on one session, held by one job of one instance. A heartbeat renews it;
 * a failed renewal, a shutdown or a cancel request stops the job at its next `checkpoint`.
 */
export class JobLease {
  private stop: StopReason | undefined;
  private readonly stopped = new AbortController();

  constructor(
    readonly sessionId: string,
    readonly owner: string,
    /** The previous holder's lease had lapsed: this job takes its work over. */
    readonly takeover: boolean,
  ) {}

  /** Aborted when the job must stop (its reason is a JobStopped). */
  get signal(): AbortSignal {
    return this.stopped.signal;
  }

  /** Called between batches: throws JobStopped if the job must stop. */
  checkpoint(): void {
    if (this.stop) throw new JobStopped(this.stop, this.sessionId);
  }

  /** Stops the job at its next checkpoint. A lost lease outranks a shutdown, which outranks a cancel. */
  halt(reason: StopReason): void {
    const rank: Record<StopReason, number> = { cancelled: 0, shutdown: 1, lease_lost: 2 };
    if (this.stop && rank[this.stop] >= rank[reason]) return;
    this.stop = reason;
    if (!this.stopped.signal.aborted) this.stopped.abort(new JobStopped(reason, this.sessionId));
  }

  get stopReason(): StopReason | undefined {
    return this.stop;
  }
}

/** How long jobs get at shutdown to reach a batch boundary before their leases are given up. */
const STOP_JOBS_WITHIN_MS = 4_000;

interface Held {
  lease: JobLease;
  heartbeat: NodeJS.Timeout;
  /** When the lease was last renewed (a renewal that keeps failing means it may be lost). */
  renewedAt: number;
}

/**
 * One home for leases (ARCHITECTURE, December review): claims, renews (a heartbeat whose failed
 * renewal stops the work), releases and, at shutdown, gives up every lease held so that another
 * instance resumes the work at once. No other code writes the lease columns.
 */
@Injectable()
export class JobLeases {
  private readonly logger = new Logger('JobLeases');
  private readonly instance = `${hostname()}:${process.pid}`;
  private readonly held = new Map<string, Held>();
  private readonly leaseMs: number;
  private stopping = false;

  constructor(
    private readonly leases: JobLeaseRepository,
    private readonly sessions: ImportSessionRepository,
    private readonly tx: TransactionRunner,
    config: AppConfig,
    private readonly shutdown: ShutdownState,
  ) {
    this.leaseMs = config.IMPORT_LEASE_SECONDS * 1000;
    // Before the database closes: every job stops at its next batch and gives its lease up, so
    // that another instance resumes it at once rather than once the lease has lapsed.
    shutdown.onShutdown('release import leases', () => this.stopAll(STOP_JOBS_WITHIN_MS));
  }

  /** How many leases this instance holds (jobs running here). */
  get count(): number {
    return this.held.size;
  }

  get shuttingDown(): boolean {
    return this.stopping || this.shutdown.isShuttingDown;
  }

  /** Takes the lease of a session in one of `phases` unless a live holder has it. */
  async claim(sessionId: string, phases: readonly Phase[]): Promise<JobLease | null> {
    if (this.shuttingDown) return null;
    const owner = this.newOwner();
    const { claimed, takeover } = await this.leases.claim(sessionId, owner, this.leaseMs, phases);
    if (!claimed) return null;
    return this.hold(new JobLease(sessionId, owner, takeover));
  }

  /**
   * Claims the lease of a session in one of `phases` and lets `begin` decide, on the session as
   * it is once leased, what the request turns into: a start (the session, as `begin` changed it,
   * is saved under the lease), a resume (the job's instance stopped), or a replay (it is done
   * already: the lease is given back). Null when another holder has the lease. If `begin` throws,
   * the lease is given back and the error goes on.
   */
  async begin(
    sessionId: string,
    phases: readonly Phase[],
    begin: (session: ImportSession) => JobStart,
  ): Promise<BegunJob | null> {
    const lease = await this.claim(sessionId, phases);
    if (!lease) return null;
    try {
      const session = await this.sessions.findById(sessionId);
      if (!session) throw new Error(`import ${sessionId} is gone`);
      const start = begin(session);
      if (start === 'replay') {
        await this.release(lease);
        return { start, session };
      }
      if (start === 'start') await this.save(lease, session);
      return { start, session, lease };
    } catch (error) {
      await this.release(lease);
      throw error;
    }
  }

  /** Stores a new session already leased to its creator (no other instance can take it first). */
  async insertLeased(session: ImportSession): Promise<JobLease> {
    const owner = this.newOwner();
    await this.tx.run(async () => {
      await this.sessions.insert(session);
      const { claimed } = await this.leases.claim(session.id, owner, this.leaseMs, [session.phase]);
      if (!claimed) throw new Error(`could not lease the new import ${session.id}`);
    });
    return this.hold(new JobLease(session.id, owner, false));
  }

  /**
   * Runs `work` in a transaction that holds the session's row lock and commits only while the
   * lease is held: a job that lost its lease writes nothing (JobStopped `lease_lost`).
   */
  underLease<T>(lease: JobLease, work: () => Promise<T>): Promise<T> {
    return this.tx.run(async () => {
      await this.assertHeld(lease);
      return work();
    });
  }

  /**
   * Inside an open transaction: locks the session's row until it commits and throws JobStopped
   * `lease_lost` unless the lease is still held; notes a cancel request for the next checkpoint.
   */
  async assertHeld(lease: JobLease): Promise<void> {
    const { held, cancelRequested } = await this.leases.lock(lease.sessionId, lease.owner);
    if (!held) {
      lease.halt('lease_lost');
      lease.checkpoint();
    }
    if (cancelRequested) lease.halt('cancelled');
  }

  /** Saves the session under its lease (JobStopped `lease_lost` if another holds it now). */
  async save(lease: JobLease, session: ImportSession): Promise<void> {
    if (!(await this.sessions.save(session, lease.owner))) {
      lease.halt('lease_lost');
      lease.checkpoint();
    }
  }

  /**
   * Saves the session at rest (validated, completed, cancelled, failed, reverted) and gives the
   * lease up in the same write, so that whoever sees it at rest can act on it at once (a confirm
   * right after `validated`, an undo right after `completed`) instead of meeting a lease still
   * held while the job tidies up. What the job does afterwards (deleting the upload, telling the
   * app) needs no lease. Inside `underLease`, the release commits with the transaction.
   */
  async finish(lease: JobLease, session: ImportSession): Promise<void> {
    if (!(await this.sessions.save(session, lease.owner, { release: true }))) {
      lease.halt('lease_lost');
      lease.checkpoint();
    }
    this.forget(lease);
  }

  /** Stops at its next checkpoint the job this instance runs on the session, if any. */
  haltHere(sessionId: string, reason: StopReason): void {
    for (const { lease } of this.held.values())
      if (lease.sessionId === sessionId) lease.halt(reason);
  }

  /** Gives the lease up (another instance may take the job at once); idempotent. */
  async release(lease: JobLease): Promise<void> {
    this.forget(lease);
    try {
      await this.tx.detached(() => this.leases.release(lease.sessionId, lease.owner));
    } catch (error) {
      // It lapses by itself; another instance takes the job over then.
      this.logger.warn({ err: error, import_id: lease.sessionId }, 'lease release failed');
    }
  }

  /**
   * Shutdown: every job stops at its next batch boundary; `drain` waits for them to release
   * their leases (up to `timeoutMs`), then gives up whatever is still held.
   */
  async stopAll(timeoutMs: number): Promise<void> {
    this.stopping = true;
    for (const { lease } of this.held.values()) lease.halt('shutdown');
    const deadline = Date.now() + timeoutMs;
    while (this.held.size > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await Promise.all([...this.held.values()].map(({ lease }) => this.release(lease)));
  }

  /** Stops renewing the lease here (it was given up, or is being). */
  private forget(lease: JobLease): void {
    const held = this.held.get(lease.owner);
    if (held) clearInterval(held.heartbeat);
    this.held.delete(lease.owner);
  }

  private newOwner(): string {
    return `${this.instance}:${randomUUID()}`;
  }

  private hold(lease: JobLease): JobLease {
    const entry: Held = { lease, renewedAt: Date.now(), heartbeat: undefined! };
    entry.heartbeat = this.tx.detached(() =>
      setInterval(() => void this.renew(entry), Math.max(50, this.leaseMs / 3)),
    );
    entry.heartbeat.unref();
    this.held.set(lease.owner, entry);
    return lease;
  }

  private async renew(entry: Held): Promise<void> {
    const { lease } = entry;
    try {
      const { held, cancelRequested } = await this.leases.renew(
        lease.sessionId,
        lease.owner,
        this.leaseMs,
      );
      if (this.held.get(lease.owner) !== entry) return; // given up meanwhile (finish, release)
      if (!held) {
        lease.halt('lease_lost');
        clearInterval(entry.heartbeat);
        return;
      }
      entry.renewedAt = Date.now();
      if (cancelRequested) lease.halt('cancelled');
    } catch (error) {
      this.logger.warn({ err: error, import_id: lease.sessionId }, 'lease renewal failed');
      // Not renewed for a whole lease: another instance may have taken the job over.
      if (Date.now() - entry.renewedAt >= this.leaseMs) lease.halt('lease_lost');
    }
  }
}
