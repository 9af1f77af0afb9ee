import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import type { Principal } from '../../shared/auth/principal.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import { BATCH_SIZE, ConfirmImport } from '../application/confirm-import.js';
import { ImportQueries } from '../application/import-queries.js';
import { type RowObserver, ValidateImport } from '../application/validate-import.js';
import type { ImportRow, RowIssue, RowOutcome } from '../domain/import-row.js';
import { type ImportSession, sum } from '../domain/import-session.js';
import type { ImportOptions, ImportTarget } from '../domain/import-target.js';
import { csvRows, mapHeader } from '../csv/csv-source.js';
import { openCsv } from '../csv/read-csv.js';
import { writeErrorsCsv } from '../csv/write-errors-csv.js';
import { receiveCsvUpload } from './csv-upload.js';
import type {
  ConfirmImportDto,
  ImportRowDto,
  ImportSummaryDto,
  OutcomeCountersDto,
  RowResultDto,
  ValidateResultDto,
} from './import.dto.js';
import { JsonSpool } from './json-spool.js';
import { streamEnvelope } from './stream-response.js';

const issues = (list: RowIssue[]) => (list.length > 0 ? list : undefined);

/** The JSON of one validated row (SPEC §6.1): empty lists and absent fields left out. */
export function rowJson(row: ImportRow<unknown>) {
  return {
    row_number: row.rowNumber,
    status: row.status,
    data: row.data,
    errors: issues(row.errors),
    warnings: issues(row.warnings),
    existing_id: row.existingId,
    diff: row.diff,
  } satisfies ImportRowDto;
}

/** The JSON of one row's outcome (SPEC §6.2). */
export function resultJson(o: RowOutcome) {
  return {
    row_number: o.rowNumber,
    status: o.status,
    ...('id' in o ? { id: o.id } : {}),
    ...('reason' in o ? { reason: o.reason } : {}),
    ...('error' in o ? { error: o.error } : {}),
  } satisfies RowResultDto;
}

/** A session's state and progress, without its rows. */
export function sessionSummary(session: ImportSession) {
  const s = session.snapshot;
  return {
    import_id: s.id,
    entity_type: s.entityType,
    channel: s.channel,
    status: session.displayStatus(new Date()),
    ...(s.options.appCodeName ? { app_code_name: s.options.appCodeName } : {}),
    total_rows: s.counts.total,
    valid_rows: s.counts.valid,
    warning_rows: s.counts.warning,
    error_rows: s.counts.error,
    ambiguous_rows: s.counts.ambiguous,
    ...counters(session),
    rows_collected: s.counts.total,
    rows_processed: sum(s.outcomes),
    created_at: s.createdAt.toISOString(),
    expires_at: s.expiresAt.toISOString(),
    completed_at: s.completedAt?.toISOString() ?? null,
    error: s.error,
  } satisfies ImportSummaryDto;
}

export function counters(session: ImportSession) {
  const { outcomes } = session.snapshot;
  return {
    created: outcomes.created,
    updated: outcomes.updated,
    skipped: outcomes.skipped,
    failed: outcomes.failed,
  } satisfies OutcomeCountersDto;
}

/**
 * The HTTP side of the import flow that every entity's controller shares: multipart upload,
 * CSV reading, and responses streamed from the stored rows.
 */
@Injectable()
export class ImportEndpoints {
  constructor(
    private readonly validator: ValidateImport,
    private readonly confirmer: ConfirmImport,
    private readonly queries: ImportQueries,
    private readonly config: AppConfig,
  ) {}

  /** The CSV template: the target's header line. */
  template(res: Response, target: ImportTarget<unknown>): void {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${target.entityType}-import-template.csv"`,
    );
    res.send(`${target.columns.join(',')}\r\n`);
  }

  async validate(
    req: Request,
    res: Response,
    input: {
      target: ImportTarget<unknown>;
      principal: Principal;
      message: string;
      /** Reads the form's other fields into options (400 on bad values). */
      options?: (fields: Record<string, string>) => ImportOptions;
    },
  ): Promise<void> {
    // The row list is spooled while the rows are classified, then streamed after the counters.
    const answer = new JsonSpool();
    try {
      const session = await this.validateUpload(req, res, input, (rows) =>
        answer.append(rows.map(rowJson)),
      );
      const { counts, expiresAt } = session.snapshot;
      await streamEnvelope(res, {
        status: 200,
        message: input.message,
        head: {
          import_id: session.id,
          expires_at: expiresAt.toISOString(),
          total_rows: counts.total,
          valid_rows: counts.valid,
          warning_rows: counts.warning,
          error_rows: counts.error,
          ambiguous_rows: counts.ambiguous,
        } satisfies Omit<ValidateResultDto, 'rows'>,
        listKey: 'rows',
        body: answer.body(),
      });
    } finally {
      await answer.remove();
    }
  }

  /** Receives the upload, reads it as the target's CSV and validates it; the file is then removed. */
  private async validateUpload(
    req: Request,
    res: Response,
    input: Parameters<ImportEndpoints['validate']>[2],
    observe: RowObserver,
  ): Promise<ImportSession> {
    const upload = await receiveCsvUpload(req, res, this.config.IMPORT_MAX_FILE_BYTES);
    try {
      const options = { source: 'csv_import', ...(input.options?.(upload.fields) ?? {}) };
      const csv = await openCsv(upload.path, {
        maxRows: this.config.IMPORT_MAX_ROWS,
        batchSize: BATCH_SIZE,
      });
      const fieldAt = mapHeader(csv.header, input.target.columns, options.fieldsMapping);
      return await this.validator.validate(
        input.target,
        { sub: input.principal.sub, businessUid: input.principal.businessUid! },
        options,
        csvRows(fieldAt, csv.batches),
        observe,
      );
    } finally {
      await upload.cleanup();
    }
  }

  async confirm(
    res: Response,
    input: {
      target: ImportTarget<unknown>;
      principal: Principal;
      body: ConfirmImportDto;
      message: string;
    },
  ): Promise<void> {
    // Outcomes are spooled as they commit; a replay or a resumed confirm reads them back.
    const answer = new JsonSpool();
    try {
      const { session, replayed, observedAll } = await this.confirmer.confirm(
        input.target,
        { sub: input.principal.sub, businessUid: input.principal.businessUid! },
        {
          importId: input.body.import_id,
          override: input.body.override ?? false,
          resolutions: input.body.parsedResolutions(),
        },
        (outcomes) => answer.append(outcomes.map(resultJson)),
      );
      await streamEnvelope(res, {
        status: 200,
        message: input.message,
        head: counters(session),
        listKey: 'results',
        headers: replayed ? { 'Idempotent-Replayed': 'true' } : {},
        ...(observedAll
          ? { body: answer.body() }
          : { pages: this.queries.outcomes(session), toJson: resultJson }),
      });
    } finally {
      await answer.remove();
    }
  }

  async status(
    res: Response,
    input: {
      target: ImportTarget<unknown>;
      principal: Principal;
      importId: string;
      message: string;
    },
  ): Promise<void> {
    const session = await this.queries.get(
      input.target.entityType,
      { businessUid: input.principal.businessUid! },
      input.importId,
    );
    await streamEnvelope(res, {
      status: 200,
      message: input.message,
      head: sessionSummary(session),
      listKey: 'results',
      pages: this.queries.outcomes(session),
      toJson: resultJson,
    });
  }

  async list(
    target: ImportTarget<unknown>,
    principal: Principal,
    page: PageRequest,
  ): Promise<Page<ImportSummaryDto>> {
    const sessions = await this.queries.list(
      target.entityType,
      { businessUid: principal.businessUid! },
      page,
    );
    return { ...sessions, items: sessions.items.map(sessionSummary) };
  }

  async errorsCsv(
    res: Response,
    input: { target: ImportTarget<unknown>; principal: Principal; importId: string },
  ): Promise<void> {
    const session = await this.queries.get(
      input.target.entityType,
      { businessUid: input.principal.businessUid! },
      input.importId,
    );
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="import-${session.id}-errors.csv"`);
    await writeErrorsCsv(input.target.columns, this.queries.rows(session), res);
  }
}
