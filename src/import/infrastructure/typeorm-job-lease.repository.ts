import { Injectable } from '@nestjs/common';
import {
  sqlOf,
  type SqlQuery,
  TypeOrmTransactionRunner,
} from '../../shared/database/typeorm-transaction-runner.js';
import type { Phase } from '../domain/import-session.js';
import { JobLeaseRepository, type WaitingJob } from '../domain/job-lease.repository.js';

/** Leases in the session's own row (`lease_owner`, `lease_expires_at`): one statement each. */
@Injectable()
export class TypeOrmJobLeaseRepository extends JobLeaseRepository {
  private readonly query: SqlQuery;

  constructor(tx: TypeOrmTransactionRunner) {
    super();
    this.query = sqlOf(tx);
  }

  async claim(
    sessionId: string,
    owner: string,
    leaseMs: number,
    phases: readonly Phase[],
  ): Promise<{ claimed: boolean; takeover: boolean }> {
    // The row lock of the UPDATE serialises claimers: the second one sees the first's lease.
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows] = await this.query<[Array<{ takeover: boolean }>, number]>(
      `WITH before AS (SELECT lease_owner FROM import_sessions WHERE id = $1)
       UPDATE import_sessions s
          SET lease_owner = $2, lease_expires_at = now() + $3 * interval '1 millisecond'
        WHERE s.id = $1 AND s.status = ANY($4::text[])
          AND (s.lease_owner IS NULL OR s.lease_expires_at IS NULL OR s.lease_expires_at < now())
       RETURNING (SELECT lease_owner IS NOT NULL FROM before) AS takeover`,
      [sessionId, owner, leaseMs, phases],
    );
    return { claimed: rows.length === 1, takeover: rows[0]?.takeover ?? false };
  }

  async renew(
    sessionId: string,
    owner: string,
    leaseMs: number,
  ): Promise<{ held: boolean; cancelRequested: boolean }> {
    const [rows] = await this.query<[Array<{ cancel: boolean }>, number]>(
      `UPDATE import_sessions SET lease_expires_at = now() + $3 * interval '1 millisecond'
        WHERE id = $1 AND lease_owner = $2
       RETURNING cancel_requested_at IS NOT NULL AS cancel`,
      [sessionId, owner, leaseMs],
    );
    return { held: rows.length === 1, cancelRequested: rows[0]?.cancel ?? false };
  }

  async lock(
    sessionId: string,
    owner: string,
  ): Promise<{ held: boolean; cancelRequested: boolean }> {
    const rows = await this.query<Array<{ owner: string | null; cancel: boolean }>>(
      `SELECT lease_owner AS owner, cancel_requested_at IS NOT NULL AS cancel
         FROM import_sessions WHERE id = $1 FOR UPDATE`,
      [sessionId],
    );
    return { held: rows[0]?.owner === owner, cancelRequested: rows[0]?.cancel ?? false };
  }

  async release(sessionId: string, owner: string): Promise<void> {
    await this.query(
      `UPDATE import_sessions SET lease_owner = NULL, lease_expires_at = NULL
        WHERE id = $1 AND lease_owner = $2`,
      [sessionId, owner],
    );
  }

  async findWaiting(phases: readonly Phase[], limit: number): Promise<WaitingJob[]> {
    const rows = await this.query<Array<{ id: string; status: Phase }>>(
      `SELECT id, status FROM import_sessions
        WHERE status = ANY($1::text[]) AND (lease_expires_at IS NULL OR lease_expires_at < now())
        ORDER BY updated_at LIMIT $2`,
      [phases, limit],
    );
    return rows.map((r) => ({ sessionId: r.id, phase: r.status }));
  }

  async countJobs(phases: readonly Phase[]): Promise<{ waiting: number; running: number }> {
    const [row] = await this.query<Array<{ waiting: number; running: number }>>(
      `SELECT count(*) FILTER (WHERE lease_expires_at IS NULL OR lease_expires_at < now())::int AS waiting,
              count(*) FILTER (WHERE lease_expires_at >= now())::int AS running
         FROM import_sessions WHERE status = ANY($1::text[])`,
      [phases],
    );
    return row;
  }
}
