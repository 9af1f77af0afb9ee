import { Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { poolOf } from '../database/pool.js';
import { type AppPullResult, type ImportEnd, Metrics } from './metrics.js';

/** Session statuses that are background jobs (a lease held while someone works on them). */
/** Phases in which a session is a job (waiting for an instance, or running). */
const JOB_STATUSES = ['receiving', 'validating', 'collecting', 'confirming', 'reverting'];
const JOBS_QUERY_TIMEOUT_MS = 2_000;
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Prometheus metrics (prom-client), one registry per application instance. Names and labels are
 * listed in docs/operations.md; labels have a small, fixed set of values (route templates, not
 * URLs; entity and channel; outcomes), so the series count stays bounded.
 */
@Injectable()
export class PrometheusMetrics extends Metrics {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests this instance is serving right now',
    registers: [this.registry],
  });
  private readonly started = new Counter({
    name: 'imports_started_total',
    help: 'Import sessions opened (a CSV validate began, or an app import was accepted)',
    labelNames: ['entity', 'channel'] as const,
    registers: [this.registry],
  });
  private readonly finished = new Counter({
    name: 'imports_finished_total',
    help: 'Import sessions ended, by outcome: completed, failed, cancelled, rejected (validate refused the upload), reverted (an undo ended)',
    labelNames: ['entity', 'channel', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly rows = new Counter({
    name: 'import_rows_processed_total',
    help: 'Rows confirmed, by outcome: created, updated, skipped, failed',
    labelNames: ['entity', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly validateSeconds = new Histogram({
    name: 'import_validate_duration_seconds',
    help: 'Validate of a whole source (CSV upload or app pages), until the session is validated',
    labelNames: ['entity', 'channel'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly confirmSeconds = new Histogram({
    name: 'import_confirm_duration_seconds',
    help: 'One confirm run (start or resume) until the session completed',
    labelNames: ['entity', 'channel'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly takeovers = new Counter({
    name: 'import_lease_takeovers_total',
    help: 'Jobs claimed by this instance after their lease lapsed (their holder died or stalled)',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });
  private readonly jobsWaiting = new Gauge({
    name: 'import_jobs_waiting',
    help: 'Background import jobs (app collections, confirms) that no instance holds a live lease on',
    labelNames: ['entity', 'channel'] as const,
    registers: [this.registry],
  });
  private readonly jobsRunning = new Gauge({
    name: 'import_jobs_running',
    help: 'Background import jobs with a live lease (being worked on by some instance)',
    labelNames: ['entity', 'channel'] as const,
    registers: [this.registry],
  });
  private readonly appRequests = new Counter({
    name: 'app_pull_requests_total',
    help: 'HTTP attempts at apps (pages and completion calls), by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly appRetries = new Counter({
    name: 'app_pull_retries_total',
    help: 'Attempts at apps that were tried again (429, 5xx, timeout, network error)',
    registers: [this.registry],
  });
  private readonly appFailures = new Counter({
    name: 'app_pull_failures_total',
    help: 'Calls to apps that gave up (retries exhausted, or an unusable answer)',
    registers: [this.registry],
  });

  constructor(private readonly dataSource: DataSource) {
    super();
    collectDefaultMetrics({ register: this.registry });
    const pool = () => (this.dataSource.isInitialized ? poolOf(this.dataSource) : undefined);
    const poolGauges: Array<[string, string, (p: pg.Pool) => number]> = [
      [
        'db_pool_connections_in_use',
        'Database connections of this instance checked out of the pool',
        (p) => p.totalCount - p.idleCount,
      ],
      [
        'db_pool_connections_idle',
        'Open database connections of this instance waiting in the pool',
        (p) => p.idleCount,
      ],
      [
        'db_pool_requests_waiting',
        'Queries of this instance waiting for a free pool connection',
        (p) => p.waitingCount,
      ],
      [
        'db_pool_size',
        'The most connections the pool opens (DB_POOL_SIZE)',
        (p) => p.options.max ?? 0,
      ],
    ];
    for (const [name, help, read] of poolGauges) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    }
  }

  importStarted(entity: string, channel: string): void {
    this.started.inc({ entity, channel });
  }

  importFinished(entity: string, channel: string, end: ImportEnd): void {
    this.finished.inc({ entity, channel, outcome: end });
  }

  rowsProcessed(entity: string, outcomes: ReadonlyArray<{ status: string }>): void {
    const counts = new Map<string, number>();
    for (const { status } of outcomes) counts.set(status, (counts.get(status) ?? 0) + 1);
    for (const [outcome, n] of counts) this.rows.inc({ entity, outcome }, n);
  }

  validateDuration(entity: string, channel: string, seconds: number): void {
    this.validateSeconds.observe({ entity, channel }, seconds);
  }

  confirmDuration(entity: string, channel: string, seconds: number): void {
    this.confirmSeconds.observe({ entity, channel }, seconds);
  }

  leaseTakeover(job: string): void {
    this.takeovers.inc({ job });
  }

  appPullRequest(result: AppPullResult): void {
    this.appRequests.inc({ result });
  }

  appPullRetry(): void {
    this.appRetries.inc();
  }

  appPullFailure(): void {
    this.appFailures.inc();
  }

  /** Express middleware: times every request, labelled with the route template it matched. */
  readonly timeRequests = (req: Request, res: Response, next: NextFunction): void => {
    const end = this.httpDuration.startTimer();
    this.inFlight.inc();
    res.once('close', () => this.inFlight.dec());
    res.once('finish', () => {
      // Express sets req.route once a route matches; anything else (404s, requests refused
      // before routing) shares one label so that scanners cannot mint series.
      const path = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };

  /** The exposition text, job gauges read from the database first. */
  async scrape(): Promise<string> {
    await this.refreshJobs();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Jobs waiting and running, counted in import_sessions (shared by every instance). */
  private async refreshJobs(): Promise<void> {
    this.jobsWaiting.reset();
    this.jobsRunning.reset();
    if (!this.dataSource.isInitialized) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const rows: Array<{ entity: string; channel: string; waiting: number; running: number }> =
        await Promise.race([
          this.dataSource.query(
            `SELECT entity_type AS entity, channel,
                    count(*) FILTER (WHERE lease_expires_at > now())::int AS running,
                    count(*) FILTER (WHERE lease_expires_at IS NULL OR lease_expires_at <= now())::int AS waiting
               FROM import_sessions WHERE status = ANY($1) GROUP BY entity_type, channel`,
            [JOB_STATUSES],
          ),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), JOBS_QUERY_TIMEOUT_MS);
          }),
        ]);
      for (const { entity, channel, waiting, running } of rows) {
        this.jobsWaiting.set({ entity, channel }, waiting);
        this.jobsRunning.set({ entity, channel }, running);
      }
    } catch (error) {
      // The scrape still answers (process and pool metrics matter most when the database fails).
      this.logger.warn({ err: error }, 'import job gauges not read');
    } finally {
      clearTimeout(timer);
    }
  }
}
