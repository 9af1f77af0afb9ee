import { stat } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../../config/app-config.js';
import type { Principal } from '../../shared/auth/principal.js';
import { detail, InvalidError } from '../../shared/domain-error.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import { CancelImport } from '../application/cancel-import.js';
import { ConfirmImport } from '../application/confirm-import.js';
import { ImportQueries } from '../application/import-queries.js';
import { RevertImport } from '../application/revert-import.js';
import { type RowObserver, ValidateImport } from '../application/validate-import.js';
import type { RevertStatus } from '../domain/import-change.js';
import type { OutcomeStatus, RowStatus } from '../domain/import-row.js';
import type { Caller, ImportSession } from '../domain/import-session.js';
import type { ImportTarget } from '../domain/import-target.js';
import { writeErrorsCsv } from '../csv/write-errors-csv.js';
import { writeTemplateXlsx } from '../xlsx/write-template-xlsx.js';
import { receiveCsvUpload } from './csv-upload.js';
import type { ConfirmImportDto } from './import.dto.js';
import type { TemplateFormat } from './import-job.dto.js';
import {
  counters,
  resultJson,
  revertCounters,
  revertResultJson,
  rowJson,
  statusJson,
  type StatusJson,
} from './import-json.js';
import { JsonSpool } from './json-spool.js';
import { streamEnvelope } from './stream-response.js';
import { streamStatusEvents } from './status-events.js';

export const XLSX_CONTENT_TYPE =
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The form field naming the worksheet of a workbook (every entity's validate form has it). */
export const SHEET_FIELD = 'sheet';
/** Longer than any sheet name a spreadsheet program writes (Excel: 31); bounds the error text. */
const SHEET_MAX_LENGTH = 255;

/** What the validate form's text fields choose: the sheet, and the rest for the entity to read. */
function formChoices(
  fields: Record<string, string>,
  entityOptions?: (fields: Record<string, string>) => {
    settings: Record<string, string>;
    fieldsMapping?: Record<string, string>;
  },
): { settings: Record<string, string>; fieldsMapping?: Record<string, string>; sheet?: string } {
  const { [SHEET_FIELD]: rawSheet, ...rest } = fields;
  const sheet = rawSheet?.trim() || undefined;
  if (sheet !== undefined && sheet.length > SHEET_MAX_LENGTH)
    throw new InvalidError(
      [detail(SHEET_FIELD, 'too_long', sheet)],
      `a sheet name has at most ${SHEET_MAX_LENGTH} characters`,
    );
  let options: { settings: Record<string, string>; fieldsMapping?: Record<string, string> };
  if (entityOptions) options = entityOptions(rest);
  else {
    const unknown = Object.keys(rest);
    if (unknown.length > 0)
      throw new InvalidError(unknown.map((f) => detail(f, 'unknown_property', rest[f])));
    options = { settings: {} };
  }
  return { ...options, ...(sheet ? { sheet } : {}) };
}

/** What the client asked of an import request (RFC 7240 `Prefer: respond-async`). */
export function prefersAsync(req: Request): boolean {
  const header = req.headers.prefer;
  const values = Array.isArray(header) ? header : header ? [header] : [];
  return values
    .flatMap((v) => v.split(','))
    .some((p) => p.split(/[;=]/)[0].trim().toLowerCase() === 'respond-async');
}

/** Which rows a synchronous validate answer lists (`?rows=`). */
export type RowsShown = 'all' | 'problems' | 'none';

/** How many results the status carries; the rest are paged at `{one}/results`. */
export const STATUS_RESULTS = 100;

/** The paths of one entity's imports: its status path is `{one}` = `${base}/${id}`. */
export interface ImportPaths {
  /** e.g. `/customers/import` or `/business/clients/v1/imports`. */
  one: string;
}

/** Which import a request is about, as whom, and where the entity's imports live. */
export interface ImportRef {
  target: ImportTarget<unknown>;
  principal: Principal;
  importId: string;
  paths: ImportPaths;
}

function callerOf(principal: Principal): Caller {
  return { sub: principal.sub, businessUid: principal.businessUid!, admin: principal.isAdmin };
}

/** An import's own path as the client reached the API (under `/api` if it came that way). */
function pathOf(req: Request, paths: ImportPaths, id: string): string {
  const prefix = req.originalUrl.startsWith('/api/') ? '/api' : '';
  return `${prefix}${paths.one}/${id}`;
}

/** `status=a,b` → the statuses (400 listing every unknown one); absent or empty → all. */
export function parseStatuses<S extends string>(
  raw: string | undefined,
  allowed: readonly S[],
): S[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const statuses = raw.split(',').map((s) => s.trim().toLowerCase());
  const unknown = statuses.filter((s) => !(allowed as readonly string[]).includes(s));
  if (unknown.length > 0)
    throw new InvalidError(
      [detail('status', 'invalid_value', unknown.join(','))],
      `status must be among ${allowed.join(', ')}`,
    );
  return [...new Set(statuses)] as S[];
}

/**
 * The HTTP side of the import flow that every entity's controller shares: multipart upload,
 * synchronous and asynchronous validate, confirm and undo, the status and its event stream,
 * paged rows and results (of confirm and of undo), errors.csv and cancel.
 */
@Injectable()
export class ImportEndpoints {
  constructor(
    private readonly validator: ValidateImport,
    private readonly confirmer: ConfirmImport,
    private readonly queries: ImportQueries,
    private readonly canceller: CancelImport,
    private readonly reverter: RevertImport,
    private readonly config: AppConfig,
  ) {}

  /**
   * The template: the target's header line as CSV, or a workbook of one sheet (named after the
   * entity) whose header row is the columns and whose columns are all formatted as text.
   */
  async template(
    res: Response,
    target: ImportTarget<unknown>,
    format: TemplateFormat = 'csv',
  ): Promise<void> {
    const name = `${target.entityType}-import-template.${format}`;
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    if (format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.send(`${target.columns.join(',')}\r\n`);
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    const sheetName = target.entityType.charAt(0).toUpperCase() + target.entityType.slice(1);
    await writeTemplateXlsx(target.columns, res, { sheetName });
  }

  async validate(
    req: Request,
    res: Response,
    input: {
      target: ImportTarget<unknown>;
      principal: Principal;
      message: string;
      paths: ImportPaths;
      rows?: RowsShown;
      /**
       * Reads the form's other fields (all but `file` and `sheet`) into the target's settings and
       * mapping (400 on bad values). Absent: the entity's form has no other field.
       */
      options?: (fields: Record<string, string>) => {
        settings: Record<string, string>;
        fieldsMapping?: Record<string, string>;
      };
    },
  ): Promise<void> {
    const upload = await receiveCsvUpload(req, res, this.config.IMPORT_MAX_FILE_BYTES);
    // The row list is spooled while the rows are classified, then streamed after the counters.
    const answer = new JsonSpool();
    try {
      const options = formChoices(upload.fields, input.options);
      const file = { path: upload.path, bytes: (await stat(upload.path)).size };
      const importer = { sub: input.principal.sub, businessUid: input.principal.businessUid! };
      if (prefersAsync(req)) {
        const session = await this.validator.accept(input.target, importer, file, options);
        return this.accepted(
          req,
          res,
          input.paths,
          session,
          `${input.target.entityType} import accepted`,
        );
      }
      const shown = input.rows ?? 'all';
      const observe: RowObserver | undefined =
        shown === 'none'
          ? undefined
          : (rows) =>
              answer.append(
                (shown === 'all' ? rows : rows.filter((r) => r.status !== 'valid')).map(rowJson),
              );
      const session = await this.validator.validate(input.target, importer, file, options, observe);
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
        },
        listKey: 'rows',
        body: answer.body(),
      });
    } finally {
      await answer.remove();
      await upload.cleanup();
    }
  }

  async confirm(
    req: Request,
    res: Response,
    input: {
      target: ImportTarget<unknown>;
      principal: Principal;
      body: ConfirmImportDto;
      message: string;
      paths: ImportPaths;
    },
  ): Promise<void> {
    const request = {
      importId: input.body.import_id,
      override: input.body.override ?? false,
      resolutions: input.body.parsedResolutions(),
    };
    const caller = callerOf(input.principal);
    if (prefersAsync(req)) {
      const { session, replayed } = await this.confirmer.accept(input.target, caller, request);
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      const message = replayed ? input.message : `${input.target.entityType} import accepted`;
      return this.accepted(req, res, input.paths, session, message, !replayed);
    }
    // Outcomes are spooled as they commit; a replay or a resumed confirm reads them back.
    const answer = new JsonSpool();
    try {
      const { session, replayed, observedAll } = await this.confirmer.confirm(
        input.target,
        caller,
        request,
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
          : { pages: this.queries.allOutcomes(session), toJson: resultJson }),
      });
    } finally {
      await answer.remove();
    }
  }

  /** `GET {one}`: the status, and the first results (the rest are paged). */
  async status(req: Request, input: ImportRef) {
    const session = await this.find(input);
    const results = await this.queries.pageOutcomes(session, undefined, {
      page: 1,
      pageSize: STATUS_RESULTS,
    });
    return {
      ...this.statusOf(session, pathOf(req, input.paths, session.id)),
      results: results.items.map(resultJson),
    };
  }

  async list(
    req: Request,
    input: {
      target: ImportTarget<unknown>;
      principal: Principal;
      page: PageRequest;
      paths: ImportPaths;
    },
  ): Promise<Page<StatusJson>> {
    const sessions = await this.queries.list(
      input.target.entityType,
      { businessUid: input.principal.businessUid! },
      input.page,
    );
    return {
      ...sessions,
      items: sessions.items.map((s) => this.statusOf(s, pathOf(req, input.paths, s.id))),
    };
  }

  /** `GET {one}/events`: the status as server-sent events until the import rests. */
  async events(req: Request, res: Response, input: ImportRef): Promise<void> {
    const session = await this.find(input);
    const one = pathOf(req, input.paths, session.id);
    await streamStatusEvents(req, res, {
      first: session,
      reload: (s) => this.queries.reload(s),
      toJson: (s) => this.statusOf(s, one),
    });
  }

  /** `GET {one}/rows`: the validated rows, a page at a time. */
  async rows(input: Omit<ImportRef, 'paths'> & { statuses?: RowStatus[]; page: PageRequest }) {
    const session = await this.find(input);
    const page = await this.queries.pageRows(session, input.statuses, input.page);
    return { ...page, items: page.items.map(rowJson) };
  }

  /** `GET {one}/results`: the outcomes, a page at a time. */
  async results(
    input: Omit<ImportRef, 'paths'> & { statuses?: OutcomeStatus[]; page: PageRequest },
  ) {
    const session = await this.find(input);
    const page = await this.queries.pageOutcomes(session, input.statuses, input.page);
    return { ...page, items: page.items.map(resultJson) };
  }

  /** `POST {one}/cancel`. */
  async cancel(req: Request, input: ImportRef) {
    const session = await this.canceller.cancel(
      input.target.entityType,
      callerOf(input.principal),
      input.importId,
    );
    return this.statusOf(session, pathOf(req, input.paths, session.id));
  }

  /**
   * `POST {one}/revert`: undoes the import while the caller waits — its counters and one result
   * per row written — or, with `Prefer: respond-async`, 202 with the status; a repeat replays.
   */
  async revert(req: Request, res: Response, input: ImportRef & { message: string }) {
    const caller = callerOf(input.principal);
    const replayHeaders = { 'Idempotent-Replayed': 'true' };
    if (prefersAsync(req)) {
      const { session, replayed } = await this.reverter.accept(
        input.target,
        caller,
        input.importId,
      );
      if (replayed) res.setHeader('Idempotent-Replayed', 'true');
      const message = replayed ? input.message : `${input.target.entityType} import undo accepted`;
      return this.accepted(req, res, input.paths, session, message, !replayed);
    }
    const { session, replayed } = await this.reverter.revert(input.target, caller, input.importId);
    await streamEnvelope(res, {
      status: 200,
      message: input.message,
      head: revertCounters(session),
      listKey: 'results',
      headers: replayed ? replayHeaders : {},
      pages: this.queries.allReverts(session),
      toJson: revertResultJson,
    });
  }

  /** `GET {one}/revert/results`: what the undo did, a page at a time. */
  async revertResults(
    input: Omit<ImportRef, 'paths'> & { statuses?: RevertStatus[]; page: PageRequest },
  ) {
    const session = await this.find(input);
    const page = await this.queries.pageReverts(session, input.statuses, input.page);
    return { ...page, items: page.items.map(revertResultJson) };
  }

  async errorsCsv(res: Response, input: Omit<ImportRef, 'paths'>): Promise<void> {
    const session = await this.find(input);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="import-${session.id}-errors.csv"`);
    await writeErrorsCsv(input.target.columns, this.queries.allRows(session), res);
  }

  /** The status of an import, with until when it can be undone. */
  private statusOf(session: ImportSession, one: string) {
    return statusJson(session, one, this.config.IMPORT_UNDO_SECONDS);
  }

  private find(input: Omit<ImportRef, 'paths'>): Promise<ImportSession> {
    return this.queries.get(
      input.target.entityType,
      { businessUid: input.principal.businessUid! },
      input.importId,
    );
  }

  /** 202 Accepted (RFC 7240): where to follow it, and its status as the data. */
  private accepted(
    req: Request,
    res: Response,
    paths: ImportPaths,
    session: ImportSession,
    message: string,
    applied = true,
  ): void {
    const one = pathOf(req, paths, session.id);
    res.status(applied ? 202 : 200);
    if (applied) res.setHeader('Preference-Applied', 'respond-async');
    res.setHeader('Location', one);
    res.json({ code: applied ? 202 : 200, message, data: this.statusOf(session, one) });
  }
}
