import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ConflictError, DomainError, UnavailableError } from '../../shared/domain-error.js';
import { Metrics, secondsSince } from '../../shared/metrics/metrics.js';
import { type ImportRow, type RowIssue, statusOf } from '../domain/import-row.js';
import { ImportRowRepository } from '../domain/import-row.repository.js';
import { ImportSession } from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import type { ImportContext, ImportTarget } from '../domain/import-target.js';
import { UploadRepository } from '../domain/upload.repository.js';
import { ImportJobs } from './import-jobs.js';
import { ImportTargets } from './import-targets.js';
import { isStopped, type JobLease, JobLeases } from './job-leases.js';
import {
  detectFormat,
  openUpload,
  type UploadChoices,
  type UploadedFile,
  type UploadFormat,
} from './upload-source.js';

/** Rows per batch: one multi-row statement each (validate and confirm). */
export const BATCH_SIZE = 2500;

/**
 * A workbook may expand to this many times IMPORT_MAX_FILE_BYTES: text compresses 5–10× in a
 * ZIP, so a real workbook within the upload limit stays within this; a zip bomb does not (413).
 */
export const XLSX_EXPANSION_FACTOR = 10;
/** ZIP entries of a workbook: a real one has a few dozen (sheets, styles, media); more is a 413. */
export const XLSX_MAX_ENTRIES = 10_000;

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

/** About how many bytes of the source a row took (its cells and separators): for estimates. */
function approxBytes(row: SourceRow): number {
  let bytes = 1;
  for (const key in row.cells) bytes += row.cells[key].length + 1;
  return bytes;
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

/** What a validate request chose besides the file. */
export interface ValidateInput extends UploadChoices {
  settings: Record<string, string>;
}

/**
 * Validate (SPEC §6.1, §8): classifies every row of a source in batches — field rules, in-file
 * duplicates, one database lookup per batch — and keeps them in a session. Writes nothing else.
 * Synchronously (the request waits) or as a durable job: the upload is stored in the database
 * and validated by whichever instance holds the session's lease, from the start again if the
 * instance that began it stopped.
 */
@Injectable()
export class ValidateImport {
  private readonly logger = new Logger('ValidateImport');

  constructor(
    private readonly sessions: ImportSessionRepository,
    private readonly rows: ImportRowRepository,
    private readonly uploads: UploadRepository,
    private readonly leases: JobLeases,
    private readonly jobs: ImportJobs,
    private readonly targets: ImportTargets,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    jobs.handle('validating', { run: (session, lease) => this.validateStored(session, lease) });
    // An asynchronous upload whose instance stopped before it was stored cannot be recovered.
    jobs.handle('receiving', {
      run: (session, lease) =>
        this.fail(session, lease, 'the upload was interrupted; upload the file again'),
    });
  }

  /** Validates an upload on this instance's disk while the caller waits. */
  async validate(
    target: ImportTarget<unknown>,
    importer: Importer,
    file: UploadedFile,
    input: ValidateInput,
    observe?: RowObserver,
  ): Promise<ImportSession> {
    const { format, rows } = await this.open(file, target, input);
    return this.validateSource(target, importer, input, rows, {
      sizeBytes: file.bytes,
      observe,
      format,
    });
  }

  /** Validates the rows of a source (a file already opened) while the caller waits. */
  async validateSource(
    target: ImportTarget<unknown>,
    importer: Importer,
    input: ValidateInput,
    source: AsyncIterable<SourceRow[]>,
    options: { sizeBytes?: number; observe?: RowObserver; format?: UploadFormat } = {},
  ): Promise<ImportSession> {
    const session = this.newSession(target, importer, input, options.format ?? 'csv', false);
    const lease = await this.leases.insertLeased(session);
    this.metrics.importStarted(target.entityType, 'csv');
    try {
      await this.gatherAll(session, lease, target, source, options);
      return session;
    } catch (error) {
      throw await this.settleFailure(session, lease, error, { durable: false });
    } finally {
      await this.leases.release(lease);
    }
  }

  /**
   * Stores the upload in the database and validates it in the background (any instance may
   * finish it). Resolves once the upload is stored, with the session in `validating`. What the
   * file is (CSV, workbook, or a kind it does not read: 415) is known before anything is stored.
   */
  async accept(
    target: ImportTarget<unknown>,
    importer: Importer,
    file: UploadedFile,
    input: ValidateInput,
  ): Promise<ImportSession> {
    const format = await detectFormat(file);
    const session = this.newSession(target, importer, input, format, true);
    const lease = await this.leases.insertLeased(session);
    this.metrics.importStarted(target.entityType, 'csv');
    try {
      const bytes = await this.uploads.store(
        session.id,
        createReadStream(file.path, { highWaterMark: 1024 * 1024 }),
      );
      session.uploadReceived(bytes, new Date());
      await this.leases.save(lease, session);
    } catch (error) {
      await this.leases.release(lease);
      await this.sessions.delete(session.id).catch(() => undefined);
      throw error;
    }
    this.jobs.adopt(lease, (stored, held) => this.validateStored(stored, held));
    return session;
  }

  /**
   * Classifies and stores every batch of a source into the session, from the start (rows of an
   * earlier attempt are dropped); also used by app pulls. Batch boundaries are checkpoints:
   * a cancel, a shutdown or a lost lease stops here (JobStopped). A batch's rows and the
   * session's progress commit together, under the lease.
   */
  async gather(
    session: ImportSession,
    lease: JobLease,
    target: ImportTarget<unknown>,
    source: AsyncIterable<SourceRow[]>,
    options: { sizeBytes?: number; observe?: RowObserver } = {},
  ): Promise<void> {
    session.beginGathering(new Date(), options.sizeBytes);
    await this.rows.deleteRows(session.id);
    await this.leases.save(lease, session);
    const context = session.context;
    const severity = target.duplicateSeverity(context);
    const sizeBytes = options.sizeBytes;
    let bytesSeen = 0;
    // Two stages in a pipeline: the event loop reads and checks batch N+1 (CPU) while batch N goes
    // through its database stage (duplicate lookup, classification, storing: mostly waiting on
    // I/O). Database stages run one at a time, in order, so a batch's duplicate lookup sees every
    // key claimed before it; at most one is in flight, so memory stays bounded by a few batches.
    let stored: Promise<void> = Promise.resolve();
    // A target's batch preparation (off the event loop) runs one batch ahead: while this loop
    // reads and checks a batch, the next one is being prepared.
    const prepare = (batch: SourceRow[]): Promise<unknown> => {
      const prepared = target.prepare?.(readable(batch), context) ?? Promise.resolve(undefined);
      prepared.catch(() => undefined); // awaited in turn; never an unhandled rejection
      return prepared;
    };
    const batches = source[Symbol.asyncIterator]();
    let next = await batches.next();
    let nextPrepared = next.done ? undefined : prepare(next.value);
    try {
      while (!next.done) {
        lease.checkpoint();
        const batch = next.value;
        const preparing = nextPrepared;
        next = await batches.next();
        nextPrepared = next.done ? undefined : prepare(next.value);
        const prepared = await preparing;
        const checked = batch.map((row) => this.check(target, context, row, prepared));
        for (const row of batch) bytesSeen += approxBytes(row);
        await stored;
        const estimate =
          sizeBytes && bytesSeen > 0
            ? Math.round(((session.counts.total + batch.length) * sizeBytes) / bytesSeen)
            : undefined;
        stored = this.store(session, lease, target, severity, checked, estimate, options.observe);
        stored.catch(() => undefined); // awaited on the next turn; never an unhandled rejection
      }
    } finally {
      if (!next.done) await batches.return?.(); // as for-await does when its body throws
      // Whatever stopped the loop, the batch in flight settles first: the caller may delete the
      // session, and no row may be stored after that.
      await stored.catch(() => undefined);
    }
    await stored;
    await this.rows.rowsLoaded(session.id, session.counts.total);
  }

  private newSession(
    target: ImportTarget<unknown>,
    importer: Importer,
    input: ValidateInput,
    format: UploadFormat,
    receiving: boolean,
  ): ImportSession {
    const sheet = format === 'xlsx' ? input.sheet?.trim() : undefined;
    return ImportSession.start({
      id: randomUUID(),
      businessUid: importer.businessUid,
      createdBy: importer.sub,
      entityType: target.entityType,
      channel: { kind: 'csv', format, ...(sheet ? { sheet } : {}) },
      ...(input.fieldsMapping ? { fieldsMapping: input.fieldsMapping } : {}),
      settings: input.settings,
      receiving,
      now: new Date(),
      ttlSeconds: this.config.IMPORT_SESSION_TTL_SECONDS,
    });
  }

  /** The file's rows, its header matched to the target's columns (a 4xx here writes nothing). */
  private open(
    file: UploadedFile,
    target: ImportTarget<unknown>,
    choices: UploadChoices,
  ): Promise<{ format: UploadFormat; rows: AsyncIterable<SourceRow[]> }> {
    return openUpload(file, target, choices, {
      maxRows: this.config.IMPORT_MAX_ROWS,
      batchSize: BATCH_SIZE,
      maxUncompressedBytes: XLSX_EXPANSION_FACTOR * this.config.IMPORT_MAX_FILE_BYTES,
      maxEntries: XLSX_MAX_ENTRIES,
    });
  }

  /** Gathers every row of the source and marks the session validated. */
  private async gatherAll(
    session: ImportSession,
    lease: JobLease,
    target: ImportTarget<unknown>,
    source: AsyncIterable<SourceRow[]>,
    options: { sizeBytes?: number; observe?: RowObserver },
  ): Promise<void> {
    const startedAt = performance.now();
    await this.gather(session, lease, target, source, options);
    lease.checkpoint(); // a cancel asked for during the last batch still counts
    session.markValidated(new Date(), this.config.IMPORT_SESSION_TTL_SECONDS);
    await this.leases.finish(lease, session);
    this.metrics.validateDuration(target.entityType, 'csv', secondsSince(startedAt));
  }

  /** The job of a stored upload: on whichever instance holds the lease, from the start. */
  private async validateStored(session: ImportSession, lease: JobLease): Promise<void> {
    if (!session.uploadStored) {
      return this.fail(
        session,
        lease,
        'the server validating this upload stopped before it was kept; upload the file again',
      );
    }
    const target = this.targets.get(session.entityType);
    const path = join(tmpdir(), `import-stored-${randomUUID()}`);
    try {
      await pipeline(Readable.from(this.uploads.read(session.id)), createWriteStream(path));
      const bytes = session.snapshot.uploadBytes ?? 0;
      const { channel, fieldsMapping } = session.context;
      // The stored copy has no name: the format is found again from its content.
      const { rows } = await this.open({ path, bytes }, target, {
        fieldsMapping,
        ...(channel.kind === 'csv' && channel.sheet ? { sheet: channel.sheet } : {}),
      });
      await this.gatherAll(session, lease, target, rows, { sizeBytes: bytes });
      await this.uploads.delete(session.id);
    } catch (error) {
      await this.settleFailure(session, lease, error, { durable: true });
    } finally {
      await rm(path, { force: true });
    }
  }

  /**
   * What a failed validation leaves. A bad file (a 4xx) deletes a synchronous session (the
   * answer says why) and fails a durable one (its status says why); a cancel ends it
   * `cancelled`; a shutdown fails a synchronous one (its upload is gone) and leaves a durable
   * one to the next instance; a lost lease leaves everything to the new holder. Returns the
   * error for the request that waits.
   */
  private async settleFailure(
    session: ImportSession,
    lease: JobLease,
    error: unknown,
    mode: { durable: boolean },
  ): Promise<unknown> {
    if (isStopped(error, 'lease_lost')) return error;
    if (isStopped(error, 'cancelled')) {
      await this.jobs.cancel(lease);
      return new ConflictError('import_cancelled', 'the import was cancelled');
    }
    if (isStopped(error, 'shutdown')) {
      if (mode.durable) return error;
      await this.fail(session, lease, 'the server stopped while validating; upload the file again');
      return new UnavailableError('the server is shutting down; upload the file again');
    }
    if (error instanceof DomainError && error.status < 500) {
      if (mode.durable) await this.fail(session, lease, error.message);
      else {
        await this.sessions.delete(session.id).catch(() => undefined);
        this.metrics.importFinished(session.entityType, 'csv', 'rejected');
      }
      return error;
    }
    if (mode.durable) {
      // Unexpected (the database went away): the lease is released and the job tried again.
      this.logger.warn({ err: error, import_id: session.id }, 'validation interrupted');
    } else await this.sessions.delete(session.id).catch(() => undefined);
    return error;
  }

  private async fail(session: ImportSession, lease: JobLease, message: string): Promise<void> {
    const fresh = (await this.sessions.findById(session.id)) ?? session;
    fresh.fail(message, new Date());
    await this.leases.finish(lease, fresh);
    await this.uploads.delete(session.id);
    this.metrics.importFinished(fresh.entityType, fresh.channel.kind, 'failed');
  }

  /** The database stage of a batch: duplicates, classification, then storing and observing. */
  private async store(
    session: ImportSession,
    lease: JobLease,
    target: ImportTarget<unknown>,
    severity: 'error' | 'warning',
    checked: Checked[],
    estimatedTotal: number | undefined,
    observe?: RowObserver,
  ): Promise<void> {
    await this.markDuplicates(session.id, checked, severity);
    const rows = checked.map(({ row }) => row);
    for (const row of rows) row.status = statusOf(row);
    const classifiable = rows.filter((row) => row.status !== 'error');
    if (classifiable.length > 0) {
      await target.classify(classifiable, session.context);
      for (const row of classifiable) row.status = statusOf(row);
    }
    // Both finish before the next batch is stored or anything fails, so nothing is left running.
    const results = await Promise.allSettled([
      this.leases.underLease(lease, async () => {
        await this.rows.insertRows(session.id, rows);
        session.addRows(rows, new Date(), estimatedTotal);
        await this.leases.save(lease, session);
      }),
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
    const claimed = await this.rows.firstClaims(sessionId, keys);
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
    context: ImportContext,
    source: SourceRow,
    prepared: unknown,
  ): Checked {
    const row: ImportRow<unknown> = {
      rowNumber: source.rowNumber,
      status: 'valid',
      data: source.cells,
      errors: [],
      warnings: [],
      ambiguities: [],
      payload: {},
    };
    if (source.unreadable) {
      row.status = 'error';
      row.errors.push(source.unreadable);
      return { row };
    }
    const checked = target.check(source.cells, context, prepared);
    row.errors = checked.errors;
    row.payload = checked.payload;
    const key = checked.duplicateKey;
    return key
      ? { row, key: { ...key, normalised: `${key.field}:${key.value.trim().toLowerCase()}` } }
      : { row };
  }
}
