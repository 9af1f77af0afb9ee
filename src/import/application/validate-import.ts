import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../shared/domain-error.js';
import { Metrics, NoMetrics, secondsSince } from '../../shared/metrics/metrics.js';
import { type ImportRow, type RowIssue, statusOf } from '../domain/import-row.js';
import { ImportSession } from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import type { ImportOptions, ImportTarget } from '../domain/import-target.js';

/** A row as a source (a CSV file, an app's page) delivers it, cells keyed by field. */
export interface SourceRow {
  rowNumber: number;
  cells: Record<string, string>;
  /** Set when the row cannot be read as the target's fields (e.g. a ragged CSV row). */
  unreadable?: RowIssue;
}

/** The cells of a batch's readable rows (what a target prepares). */
function readable(batch: SourceRow[]): Array<Record<string, string>> {
  return batch.flatMap((row) => (row.unreadable ? [] : [row.cells]));
}

/** A row after its field checks, with its in-file duplicate key if it has one. */
interface Checked {
  row: ImportRow<unknown>;
  key?: { field: string; value: string; normalised: string };
}

/** Sees each batch of classified rows, in order (validate's answer is spooled from it). */
export type RowObserver = (rows: readonly ImportRow<unknown>[]) => Promise<void>;

export interface Importer {
  sub: string;
  businessUid: string;
}

/**
 * Validate (SPEC §6.1): classifies every row of a source in batches — field rules, in-file
 * duplicates, one database lookup per batch — and keeps them in a session. Writes nothing else.
 */
@Injectable()
export class ValidateImport {
  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly config: AppConfig,
    private readonly metrics: Metrics = new NoMetrics(),
  ) {}

  async validate(
    target: ImportTarget<unknown>,
    importer: Importer,
    options: ImportOptions,
    source: AsyncIterable<SourceRow[]>,
    observe?: RowObserver,
  ): Promise<ImportSession> {
    const startedAt = performance.now();
    const session = ImportSession.start({
      id: randomUUID(),
      businessUid: importer.businessUid,
      createdBy: importer.sub,
      entityType: target.entityType,
      channel: 'csv',
      options,
      now: new Date(),
      ttlSeconds: this.config.IMPORT_SESSION_TTL_SECONDS,
    });
    await this.sessions.insert(session);
    this.metrics.importStarted(target.entityType, 'csv');
    try {
      await this.collect(session, target, options, source, observe);
      const version = session.snapshot.version;
      session.markValidated(new Date(), this.config.IMPORT_SESSION_TTL_SECONDS);
      await this.sessions.save(session, version);
      this.metrics.validateDuration(target.entityType, 'csv', secondsSince(startedAt));
      return session;
    } catch (error) {
      await this.sessions.delete(session.id).catch(() => undefined);
      this.metrics.importFinished(
        target.entityType,
        'csv',
        error instanceof DomainError ? 'rejected' : 'failed',
      );
      throw error;
    }
  }

  /** Classifies and stores every batch of the source into the session (also used by app pulls). */
  async collect(
    session: ImportSession,
    target: ImportTarget<unknown>,
    options: ImportOptions,
    source: AsyncIterable<SourceRow[]>,
    observe?: RowObserver,
  ): Promise<void> {
    const severity = target.duplicateSeverity(options);
    // Two stages in a pipeline: the event loop reads and checks batch N+1 (CPU) while batch N goes
    // through its database stage (duplicate lookup, classification, storing: mostly waiting on
    // I/O). Database stages run one at a time, in order, so a batch's duplicate lookup sees every
    // key claimed before it; at most one is in flight, so memory stays bounded by a few batches.
    let stored: Promise<void> = Promise.resolve();
    // A target's batch preparation (off the event loop) runs one batch ahead: while this loop
    // reads and checks a batch, the next one is being prepared.
    const prepare = (batch: SourceRow[]): Promise<unknown> => {
      const prepared = target.prepare?.(readable(batch), options) ?? Promise.resolve(undefined);
      prepared.catch(() => undefined); // awaited in turn; never an unhandled rejection
      return prepared;
    };
    const batches = source[Symbol.asyncIterator]();
    let next = await batches.next();
    let nextPrepared = next.done ? undefined : prepare(next.value);
    try {
      while (!next.done) {
        const batch = next.value;
        const preparing = nextPrepared;
        next = await batches.next();
        nextPrepared = next.done ? undefined : prepare(next.value);
        const prepared = await preparing;
        const checked = batch.map((source) => this.check(target, options, source, prepared));
        await stored;
        stored = this.store(session, target, options, severity, checked, observe);
        stored.catch(() => undefined); // awaited on the next turn; never an unhandled rejection
      }
    } finally {
      if (!next.done) await batches.return?.(); // as for-await does when its body throws
      // Whatever stopped the loop, the batch in flight settles first: the caller may delete the
      // session, and no row may be stored after that.
      await stored.catch(() => undefined);
    }
    await stored;
    await this.sessions.rowsLoaded(session.id, session.snapshot.counts.total);
  }

  /** The database stage of a batch: duplicates, classification, then storing and observing. */
  private async store(
    session: ImportSession,
    target: ImportTarget<unknown>,
    options: ImportOptions,
    severity: 'error' | 'warning',
    checked: Checked[],
    observe?: RowObserver,
  ): Promise<void> {
    await this.markDuplicates(session.id, checked, severity);
    const rows = checked.map(({ row }) => row);
    for (const row of rows) row.status = statusOf(row.errors, row.warnings);
    const classifiable = rows.filter((row) => row.status !== 'error');
    if (classifiable.length > 0) {
      await target.classify(session.snapshot.businessUid, classifiable, options);
      for (const row of classifiable) row.status = statusOf(row.errors, row.warnings);
    }
    session.addRows(rows);
    // Both finish before the next batch is stored or anything fails, so nothing is left running.
    const results = await Promise.allSettled([
      this.sessions.insertRows(session.id, rows),
      observe?.(rows),
    ]);
    for (const r of results) if (r.status === 'rejected') throw r.reason;
  }

  /**
   * In-file duplicates: a key seen on an earlier row — of this batch, or of an earlier one, found
   * with one query — makes the row a duplicate. Only a row that can be imported claims its key:
   * a later copy of a broken row is not a duplicate. Memory stays bounded by the batch.
   */
  private async markDuplicates(
    sessionId: string,
    checked: Checked[],
    severity: 'error' | 'warning',
  ): Promise<void> {
    const keys = [...new Set(checked.flatMap(({ key }) => (key ? [key.normalised] : [])))];
    const claimed = await this.sessions.firstClaims(sessionId, keys);
    for (const { row, key } of checked) {
      if (!key) continue;
      const first = claimed.get(key.normalised);
      if (first === undefined) {
        if (row.errors.length === 0) {
          claimed.set(key.normalised, row.rowNumber);
          row.claimsKey = key.normalised;
        }
        continue;
      }
      const issue: RowIssue = {
        field: key.field,
        message: 'duplicate_in_csv',
        values: [key.value, String(first)],
      };
      if (severity === 'error') row.errors.push(issue);
      else {
        row.warnings.push(issue);
        row.duplicateOf = first;
      }
    }
  }

  private check(
    target: ImportTarget<unknown>,
    options: ImportOptions,
    source: SourceRow,
    prepared: unknown,
  ): Checked {
    if (source.unreadable) {
      const errors = [source.unreadable];
      return {
        row: {
          rowNumber: source.rowNumber,
          status: 'error',
          data: source.cells,
          errors,
          warnings: [],
          payload: {},
        },
      };
    }
    const checked = target.check(source.cells, options, prepared);
    const row: ImportRow<unknown> = {
      rowNumber: source.rowNumber,
      status: 'valid',
      data: source.cells,
      errors: checked.errors,
      warnings: [],
      payload: checked.payload,
    };
    const key = checked.duplicateKey;
    return key
      ? { row, key: { ...key, normalised: `${key.field}:${key.value.trim().toLowerCase()}` } }
      : { row };
  }
}
