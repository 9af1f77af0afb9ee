import type { Phase } from './import-session.js';

/** A session that needs a job and has no live lease holder. */
export interface WaitingJob {
  sessionId: string;
  phase: Phase;
}

/**
 * Where leases live (the session's lease columns); only the job leases component uses it. Lease
 * times are the database's clock, the one clock every instance shares.
 */
export abstract class JobLeaseRepository {
  /**
   * Takes the lease of a session in one of `phases` if nobody holds it or its holder's lease
   * lapsed (one atomic statement); false otherwise. `takeover`: the previous holder's lapsed.
   */
  abstract claim(
    sessionId: string,
    owner: string,
    leaseMs: number,
    phases: readonly Phase[],
  ): Promise<{ claimed: boolean; takeover: boolean }>;
  /** Extends the lease while `owner` holds it; tells whether a cancel was asked for. */
  abstract renew(
    sessionId: string,
    owner: string,
    leaseMs: number,
  ): Promise<{ held: boolean; cancelRequested: boolean }>;
  /**
   * Inside a transaction: locks the session's row and tells whether `owner` still holds the
   * lease (and whether a cancel was asked for), so a batch commits only under its lease.
   */
  abstract lock(
    sessionId: string,
    owner: string,
  ): Promise<{ held: boolean; cancelRequested: boolean }>;
  /** Gives the lease up at once (another instance may take the job over immediately). */
  abstract release(sessionId: string, owner: string): Promise<void>;
  /** Sessions in `phases` whose lease is free or lapsed, oldest first. */
  abstract findWaiting(phases: readonly Phase[], limit: number): Promise<WaitingJob[]>;
  /** How many sessions in `phases` wait for a job, and how many are being worked on. */
  abstract countJobs(phases: readonly Phase[]): Promise<{ waiting: number; running: number }>;
}
