import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import { ConfirmImport } from '../../../import/application/confirm-import.js';
import { ImportJobs } from '../../../import/application/import-jobs.js';
import { ImportTargets } from '../../../import/application/import-targets.js';
import { isStopped, type JobLease, JobLeases } from '../../../import/application/job-leases.js';
import { type SourceRow, ValidateImport } from '../../../import/application/validate-import.js';
import type { ImportSession } from '../../../import/domain/import-session.js';
import { ImportSessionRepository } from '../../../import/domain/import-session.repository.js';
import type { ImportChannel } from '../../../import/domain/import-target.js';
import { Metrics, secondsSince } from '../../../shared/metrics/metrics.js';
import { AppRepository } from '../../apps/domain/app.repository.js';
import {
  AppPullError,
  AppPullPolicy,
  type AppPullTarget,
  AppRecordSource,
} from '../domain/app-record-source.js';
import { ImportNotifier } from '../domain/import-notifier.js';

type AppChannel = Extract<ImportChannel, { kind: 'app' }>;

/**
 * The job of an app import (SPEC §5.2), run by the import engine's job loop for `collecting`
 * sessions on whichever instance holds the lease: it pulls the app's pages — from page 1 again
 * if it takes over from an instance that stopped (nothing has been written to clients while
 * collecting) — classifies and stores them, then confirms with `override = should_override`.
 * When the import ends (completed, failed or cancelled) the app is told `page=-1` and the staff
 * member is notified. A job that lost its lease or stopped for a shutdown tells no one: the
 * instance that takes it over finishes it.
 */
@Injectable()
export class AppPullRunner {
  private readonly logger = new Logger('AppPull');

  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly apps: AppRepository,
    private readonly source: AppRecordSource,
    private readonly notifier: ImportNotifier,
    private readonly validator: ValidateImport,
    private readonly confirmer: ConfirmImport,
    private readonly jobs: ImportJobs,
    private readonly leases: JobLeases,
    private readonly targets: ImportTargets,
    private readonly policy: AppPullPolicy,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    jobs.handle('collecting', { run: (session, lease) => this.collectAndConfirm(session, lease) });
    jobs.onFinished('app', (session) => this.finish(session));
  }

  /** Starts the job on this instance without making the caller wait (any instance may). */
  runSoon(sessionId: string): void {
    setImmediate(() => {
      this.jobs.start(sessionId).catch((error: unknown) => {
        this.logger.warn({ err: error, import_id: sessionId }, 'app import not started here');
      });
    });
  }

  private get target() {
    return this.targets.get('clients');
  }

  private async collectAndConfirm(session: ImportSession, lease: JobLease): Promise<void> {
    const channel = session.channel as AppChannel;
    try {
      const app = await this.pullTargetOf(channel);
      const startedAt = performance.now();
      await this.validator.gather(session, lease, this.target, this.pages(session, lease, app));
      lease.checkpoint();
      session.markValidated(new Date(), this.config.IMPORT_SESSION_TTL_SECONDS);
      await this.leases.save(lease, session);
      this.metrics.validateDuration('clients', 'app', secondsSince(startedAt));
      await this.confirmer.confirmLeased(this.target, session, lease, {
        override: channel.shouldOverride,
        resolutions: {},
      });
    } catch (error) {
      if (isStopped(error, 'cancelled')) {
        await this.jobs.cancel(lease);
        return;
      }
      if (isStopped(error)) throw error; // another instance finishes it
      await this.fail(session, lease, error);
    }
  }

  /** The app the import was started through — not another one registered under its code since. */
  private async pullTargetOf(channel: AppChannel): Promise<AppPullTarget> {
    const { appCodeName } = channel;
    const app = await this.apps.findByCodeName(appCodeName);
    if (!app || (channel.appId !== undefined && app.appId !== channel.appId))
      throw new AppPullError(`the app ${appCodeName} no longer exists`);
    if (!app.apiUri)
      throw new AppPullError(`the app ${appCodeName} has no api_uri to pull clients from`);
    return { appCodeName: app.appCodeName, apiUri: app.apiUri, signingKey: app.signingKey };
  }

  /** The app's pages as source rows, mapped through `fields_mapping`; limits enforced. */
  private async *pages(
    session: ImportSession,
    lease: JobLease,
    app: AppPullTarget,
  ): AsyncIterable<SourceRow[]> {
    const fieldsMapping = session.context.fieldsMapping ?? {};
    let rowNumber = 0;
    for (let page = 1; ; page++) {
      lease.checkpoint();
      const { records, hasMore } = await this.source.fetchPage(app, {
        page,
        sessionId: session.id,
        businessUid: session.businessUid,
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
      if (records.length === 0 || !hasMore) return;
    }
  }

  /** Ends the import `failed` under the lease (a holder that lost it writes and tells nothing). */
  private async fail(session: ImportSession, lease: JobLease, error: unknown): Promise<void> {
    const message =
      error instanceof AppPullError ? error.message : 'the import failed unexpectedly';
    if (!(error instanceof AppPullError))
      this.logger.error({ err: error, import_id: session.id }, 'app import failed');
    const fresh = await this.sessions.findById(session.id);
    if (!fresh || !fresh.working) return;
    fresh.fail(message, new Date());
    await this.leases.finish(lease, fresh);
    this.metrics.importFinished(fresh.entityType, 'app', 'failed');
    this.logger.warn({ import_id: session.id, error: message }, 'app import failed');
    await this.jobs.finished(fresh);
  }

  /** The import ended: tell the app (`page=-1`), then the staff member. */
  private async finish(session: ImportSession): Promise<void> {
    const channel = session.channel as AppChannel;
    const app = await this.pullTargetOf(channel).catch(() => undefined);
    if (app) await this.tellApp(session, app);
    await this.notify(session, channel);
    this.logger.log(
      { import_id: session.id, phase: session.phase, ...session.outcomes },
      'app import finished',
    );
  }

  private async tellApp(session: ImportSession, app: AppPullTarget): Promise<void> {
    try {
      await this.source.notifyDone(app, {
        sessionId: session.id,
        businessUid: session.businessUid,
      });
    } catch (error) {
      this.logger.warn(
        { import_id: session.id, err: error },
        'the app was not told that the import is over',
      );
    }
  }

  private async notify(session: ImportSession, channel: AppChannel): Promise<void> {
    if (!channel.sendNotificationsWhenDone) return;
    const s = session.snapshot;
    try {
      await this.notifier.importFinished({
        sessionId: s.id,
        businessUid: s.businessUid,
        appCodeName: channel.appCodeName,
        status:
          s.phase === 'completed' ? 'completed' : s.phase === 'cancelled' ? 'cancelled' : 'failed',
        requestedBy: s.createdBy,
        email: channel.notifyEmail ?? null,
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
