import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { ConfirmImport } from '../../../import/application/confirm-import.js';
import { ImportTargets } from '../../../import/application/import-targets.js';
import { type SourceRow, ValidateImport } from '../../../import/application/validate-import.js';
import type { ImportSession } from '../../../import/domain/import-session.js';
import { ImportSessionRepository } from '../../../import/domain/import-session.repository.js';
import { Metrics, NoMetrics, secondsSince } from '../../../shared/metrics/metrics.js';
import { AppRepository } from '../../apps/domain/app.repository.js';
import {
  AppPullError,
  AppPullPolicy,
  type AppPullTarget,
  AppRecordSource,
} from '../domain/app-record-source.js';
import { ImportNotifier } from '../domain/import-notifier.js';

const TICK_MS = 5_000;

/**
 * The background side of an app import (SPEC §5.2). The `collecting` session is the job: it
 * lives in the database, one instance claims it with a lease, and if that instance dies another
 * claims it once the lease lapses and collects again from page 1 (nothing has been written to
 * clients while collecting). Pages are classified and stored as they arrive; then the session is
 * confirmed with `override = should_override`, the app is told `page=-1`, and the staff member
 * is notified.
 */
@Injectable()
export class AppPullRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AppPull');
  private readonly instance = `${hostname()}:${process.pid}`;
  private readonly running = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly apps: AppRepository,
    private readonly source: AppRecordSource,
    private readonly notifier: ImportNotifier,
    private readonly validator: ValidateImport,
    private readonly confirmer: ConfirmImport,
    private readonly targets: ImportTargets,
    private readonly policy: AppPullPolicy,
    private readonly config: AppConfig,
    private readonly metrics: Metrics = new NoMetrics(),
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.NODE_ENV === 'test' && !process.env.IMPORT_WORKER) return;
    this.timer = setInterval(() => void this.claimAbandoned(), TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.allSettled(this.running.values());
  }

  private get target() {
    return this.targets.get('clients');
  }

  /** Starts the job on this instance without making the caller wait. */
  runSoon(sessionId: string): void {
    setImmediate(() => void this.run(sessionId));
  }

  /** The worker's pass: claim collections whose collector is gone. */
  async claimAbandoned(): Promise<void> {
    try {
      for (const id of await this.sessions.findCollectable(new Date(), 5)) await this.run(id);
    } catch (error) {
      this.logger.warn({ err: error }, 'app pull pass failed');
    }
  }

  run(sessionId: string): Promise<void> {
    const existing = this.running.get(sessionId);
    if (existing) return existing;
    const job = this.collectAndConfirm(sessionId).finally(() => this.running.delete(sessionId));
    this.running.set(sessionId, job);
    return job;
  }

  private async collectAndConfirm(sessionId: string): Promise<void> {
    const owner = `${this.instance}:${randomUUID()}`;
    const leaseMs = this.config.IMPORT_LEASE_SECONDS * 1000;
    const session = await this.sessions.findById(sessionId);
    if (!session || session.status !== 'collecting') return;
    const version = session.snapshot.version;
    const takenOver = session.snapshot.leaseOwner !== null; // its collector's lease lapsed
    try {
      session.claimCollection(owner, new Date(), leaseMs);
    } catch {
      return; // another instance is collecting it
    }
    if (!(await this.sessions.save(session, version))) return;
    if (takenOver) this.metrics.leaseTakeover('app_pull');
    const heartbeat = setInterval(() => {
      void this.sessions
        .renewLease(sessionId, owner, new Date(Date.now() + leaseMs))
        .catch(() => undefined);
    }, leaseMs / 3);
    heartbeat.unref();

    const { options, businessUid } = session.snapshot;
    const appCodeName = options.appCodeName!;
    let pullTarget: AppPullTarget | undefined;
    try {
      pullTarget = await this.pullTargetOf(appCodeName);
      await this.sessions.deleteRows(sessionId);
      const startedAt = performance.now();
      await this.validator.collect(session, this.target, options, this.pages(session, pullTarget));
      const collected = session.snapshot.version;
      session.markValidated(new Date(), this.config.IMPORT_SESSION_TTL_SECONDS);
      if (!(await this.sessions.save(session, collected))) return;
      this.metrics.validateDuration('clients', 'app', secondsSince(startedAt));
      clearInterval(heartbeat);
      const { session: done } = await this.confirmer.confirm(
        this.target,
        { sub: session.snapshot.createdBy, businessUid },
        { importId: sessionId, override: options.shouldOverride ?? false, resolutions: {} },
      );
      await this.finish(done, pullTarget);
    } catch (error) {
      await this.fail(sessionId, error, pullTarget);
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async pullTargetOf(appCodeName: string): Promise<AppPullTarget> {
    const app = await this.apps.findByCodeName(appCodeName);
    if (!app) throw new AppPullError(`the app ${appCodeName} no longer exists`);
    if (!app.apiUri)
      throw new AppPullError(`the app ${appCodeName} has no api_uri to pull clients from`);
    return { appCodeName: app.appCodeName, apiUri: app.apiUri, signingKey: app.signingKey };
  }

  /** The app's pages as source rows, mapped through `fields_mapping`; limits enforced. */
  private async *pages(session: ImportSession, app: AppPullTarget): AsyncIterable<SourceRow[]> {
    const { fieldsMapping = {} } = session.snapshot.options;
    let rowNumber = 0;
    for (let page = 1; ; page++) {
      if (this.stopping)
        throw new AppPullError('the server shut down while collecting; another instance resumes');
      const { records, hasMore } = await this.source.fetchPage(app, {
        page,
        sessionId: session.id,
        businessUid: session.snapshot.businessUid,
      });
      if (records.length > this.policy.maxRecordsPerPage) {
        throw new AppPullError(
          `page ${page} has ${records.length} records; at most ${this.policy.maxRecordsPerPage} are accepted`,
        );
      }
      if (rowNumber + records.length > this.config.IMPORT_MAX_ROWS) {
        throw new AppPullError(`the app sent more than ${this.config.IMPORT_MAX_ROWS} records`);
      }
      if (records.length > 0)
        yield records.map((record) => ({
          rowNumber: ++rowNumber,
          cells: cellsOf(record, fieldsMapping),
        }));
      await this.sessions.save(session, session.snapshot.version); // progress: rows_collected
      if (records.length === 0 || !hasMore) return;
    }
  }

  private async finish(session: ImportSession, app: AppPullTarget): Promise<void> {
    await this.tellApp(session, app);
    await this.notify(session);
    this.logger.log(
      { import_id: session.id, ...session.snapshot.outcomes },
      'app import completed',
    );
  }

  private async fail(sessionId: string, error: unknown, app?: AppPullTarget): Promise<void> {
    const message =
      error instanceof AppPullError ? error.message : 'the import failed unexpectedly';
    if (!(error instanceof AppPullError))
      this.logger.error({ err: error, import_id: sessionId }, 'app import failed');
    const session = await this.sessions.findById(sessionId);
    if (!session || !['collecting', 'validated'].includes(session.status)) return;
    const version = session.snapshot.version;
    session.fail(message, new Date());
    if (!(await this.sessions.save(session, version))) return;
    this.metrics.importFinished(session.snapshot.entityType, 'app', 'failed');
    this.logger.warn({ import_id: sessionId, error: message }, 'app import failed');
    if (app) await this.tellApp(session, app);
    await this.notify(session);
  }

  private async tellApp(session: ImportSession, app: AppPullTarget): Promise<void> {
    try {
      await this.source.notifyDone(app, {
        sessionId: session.id,
        businessUid: session.snapshot.businessUid,
      });
    } catch (error) {
      this.logger.warn(
        { import_id: session.id, err: error },
        'the app was not told that the import is over',
      );
    }
  }

  private async notify(session: ImportSession): Promise<void> {
    const s = session.snapshot;
    if (s.options.sendNotificationsWhenDone === false) return;
    try {
      await this.notifier.importFinished({
        sessionId: s.id,
        businessUid: s.businessUid,
        appCodeName: s.options.appCodeName ?? '',
        status: s.status === 'completed' ? 'completed' : 'failed',
        requestedBy: s.createdBy,
        email: s.options.notifyEmail ?? null,
        totalRows: s.counts.total,
        ...s.outcomes,
        error: s.error,
      });
    } catch (error) {
      this.logger.warn({ import_id: s.id, err: error }, 'notification failed');
    }
  }
}

/** A record's values under the mapped labels, as trimmed strings (other keys are ignored). */
function cellsOf(
  record: Record<string, unknown>,
  mapping: Record<string, string>,
): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const [field, label] of Object.entries(mapping)) {
    const value = Object.hasOwn(record, label) ? record[label] : undefined;
    cells[field] =
      typeof value === 'string'
        ? value.trim()
        : typeof value === 'number' || typeof value === 'boolean'
          ? String(value)
          : '';
  }
  return cells;
}
