/**
 * A small consumer of the client generated from /docs-json by scripts/check-openapi-types.mjs
 * (CI only type-checks it; it never runs). It uses what a real client of the imports relies on —
 * validate, confirm, status, errors.csv, an app import, the error envelopes — so that a property
 * it reads disappearing from the document, or changing its type, fails the check.
 */
import { createClient } from '../.tmp/openapi/client/client/index.js';
import {
  type BareErrorEnvelopeDto,
  type CandidateDto,
  confirmClientsImport,
  confirmCustomersImport,
  type ConfirmImportDto,
  type ErrorEnvelopeDto,
  type ErrorType,
  getClientsImport,
  getClientsImportErrorsCsv,
  getCustomersImport,
  type ImportRowDto,
  type ImportStatus,
  type ImportSummaryDto,
  listClientsImports,
  type OutcomeStatus,
  type RowStatus,
  type SkipReason,
  cancelCustomersImport,
  type ImportJobDto,
  type ImportPhase,
  listCustomersImportResults,
  listCustomersImportRows,
  startClientsAppImport,
  validateClientsImport,
  validateCustomersImport,
} from '../.tmp/openapi/client/index.js';

type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const exactly = <T extends true>(): T | undefined => undefined;

// The enums are closed lists a client can switch over exhaustively.
exactly<Equals<RowStatus, 'valid' | 'warning' | 'error' | 'ambiguous'>>();
exactly<Equals<OutcomeStatus, 'created' | 'updated' | 'skipped' | 'failed'>>();
exactly<Equals<SkipReason, 'error' | 'warning_not_overridden' | 'ambiguous_unresolved'>>();
exactly<Equals<ImportSummaryDto['channel'], 'csv' | 'app'>>();
exactly<Equals<CandidateDto['type'], 'customer'>>();
exactly<'rate_limited' extends ErrorType ? true : false>();
exactly<'expired' extends ImportStatus ? true : false>();

/** Every error a route declares is one of the two envelopes. */
type Failure = ErrorEnvelopeDto | BareErrorEnvelopeDto;
const isTyped = (failure: Failure): failure is ErrorEnvelopeDto => 'type' in failure.data;

export function describeFailure(failure: Failure): string {
  const code: number = failure.code;
  if (!isTyped(failure)) return `${code} ${failure.message}`;
  const type: ErrorType = failure.data.type;
  const inputs = failure.data.errors.map((e) => `${e.key}: ${e.message} (${e.value})`);
  return `${code} ${failure.message} [${type}] ${inputs.join('; ')}`;
}

function rowSummary(row: ImportRowDto): string {
  const line: number = row.row_number;
  const cells = Object.entries(row.data).map(([column, cell]) => `${column}=${cell}`);
  const issues = [...(row.errors ?? []), ...(row.warnings ?? [])].map(
    (issue) => `${issue.field}: ${issue.message} ${(issue.values ?? []).join(', ')}`,
  );
  const changes = Object.entries(row.diff ?? {}).map(
    ([field, change]) => `${field}: ${change.from ?? '∅'} → ${change.to ?? '∅'}`,
  );
  return `${line} ${row.status} ${cells.join(' ')} ${issues.join('; ')} ${row.existing_id ?? ''} ${changes.join(', ')}`;
}

/** Validate → confirm (resolving every ambiguous row to its first candidate) → status → errors.csv. */
export async function importClients(baseUrl: string, token: string, file: Blob): Promise<string[]> {
  const client = createClient({ baseUrl, auth: token });
  const report: string[] = [];

  const validated = await validateClientsImport({ client, body: { file, upload_type: 'multi' } });
  if (validated.error) return [describeFailure(validated.error)];
  // Without `Prefer: respond-async` the answer is the whole validation (200), not a 202 status.
  const answer = validated.data.data;
  if (!('rows' in answer)) return [`${answer.import_id}: ${answer.phase}, ${answer.links.self}`];
  const preview = answer;
  const counts: number =
    preview.valid_rows + preview.warning_rows + preview.error_rows + preview.ambiguous_rows;
  report.push(
    `${preview.import_id}: ${counts}/${preview.total_rows} rows until ${preview.expires_at}`,
  );
  report.push(...preview.rows.map(rowSummary));

  const resolutions: NonNullable<ConfirmImportDto['resolutions']> = {};
  for (const row of preview.rows) {
    if (row.status !== 'ambiguous') continue;
    const candidates: CandidateDto[] = (row.errors ?? []).flatMap((e) => e.candidates ?? []);
    if (candidates[0])
      resolutions[String(row.row_number)] = { organization_id: candidates[0].logto_id };
  }
  const confirmed = await confirmClientsImport({
    client,
    body: { import_id: preview.import_id, override: true, resolutions },
  });
  if (confirmed.error) return [...report, describeFailure(confirmed.error)];
  const outcome = confirmed.data.data;
  if (!('results' in outcome)) return [...report, `${outcome.phase}: follow ${outcome.links.self}`];
  const { created, updated, skipped, failed, results } = outcome;
  report.push(`${created + updated + skipped + failed} outcomes`);
  for (const result of results) {
    const line: number = result.row_number;
    const reason: SkipReason | undefined = result.reason;
    report.push(`${line} ${result.status} ${result.id ?? reason ?? result.error ?? ''}`);
  }

  const status = await getClientsImport({ client, path: { import_id: preview.import_id } });
  if (status.error) return [...report, describeFailure(status.error)];
  const s = status.data.data;
  report.push(
    `${s.entity_type} ${s.channel} ${s.app_code_name ?? '-'} ${s.status}: ` +
      `${s.rows_processed}/${s.rows_collected} processed, ${s.results.length} results, ` +
      `completed ${s.completed_at ?? 'not yet'}${s.error ? `, ${s.error}` : ''}`,
  );

  const csv = await getClientsImportErrorsCsv({
    client,
    path: { import_id: preview.import_id },
    parseAs: 'text',
  });
  if (csv.error) return [...report, describeFailure(csv.error)];
  const text: string = csv.data;
  report.push(`${text.split('\n').length - 1} rows not imported`);
  return report;
}

/** Customers: the same flow, where the seed's confirm body is accepted as it is. */
export async function importCustomers(baseUrl: string, token: string, file: Blob): Promise<number> {
  const client = createClient({ baseUrl: `${baseUrl}/api`, auth: token });
  const validated = await validateCustomersImport({ client, body: { file } });
  if (validated.error) throw new Error(describeFailure(validated.error));
  const confirmed = await confirmCustomersImport({
    client,
    body: {
      import_id: validated.data.data.import_id,
      override: true,
      resolutions: { '7': { organization_id: 'abc123' } },
    },
  });
  if (confirmed.error) throw new Error(describeFailure(confirmed.error));
  const status = await getCustomersImport({
    client,
    path: { import_id: validated.data.data.import_id },
  });
  if (status.error) throw new Error(describeFailure(status.error));
  return status.data.data.created;
}

/** An import through an app (the seed 000), followed in the imports list. */
export async function importFromApp(baseUrl: string, token: string, app: string): Promise<string> {
  const client = createClient({ baseUrl, auth: token });
  const started = await startClientsAppImport({
    client,
    path: { app_code_name: app },
    body: {
      import_params: {
        should_override: false,
        upload_type: 'single',
        send_notifications_when_done: true,
      },
      fields_mapping: { first_name: 'First Name', email: 'E-mail', phone: 'Mobile' },
    },
  });
  if (started.error) return describeFailure(started.error);
  const list = await listClientsImports({ client, query: { page: 1, page_size: 20 } });
  if (list.error) return describeFailure(list.error);
  const mine = list.data.data.items.find((item) => item.import_id === started.data.data.session_id);
  return `${started.data.data.status} → ${mine?.status ?? 'unknown'} of ${list.data.data.total}`;
}

/**
 * The asynchronous flow (`Prefer: respond-async`): 202 with the status, polled until it rests;
 * the problems of the file a page at a time; the failed outcomes a page at a time; or cancel.
 */
export async function importCustomersAsync(
  baseUrl: string,
  token: string,
  file: Blob,
  stopEarly: boolean,
): Promise<string[]> {
  const client = createClient({ baseUrl, auth: token });
  const accepted = await validateCustomersImport({
    client,
    body: { file },
    headers: { Prefer: 'respond-async' },
  });
  if (accepted.error) return [describeFailure(accepted.error)];
  const first = accepted.data.data;
  if ('rows' in first) return [`answered at once: ${first.total_rows} rows`];
  const id = first.import_id;
  if (stopEarly) {
    const cancelled = await cancelCustomersImport({ client, path: { import_id: id } });
    if (cancelled.error) return [describeFailure(cancelled.error)];
    const job: ImportJobDto = cancelled.data.data;
    return [`${id}: ${job.phase}${job.cancel_requested ? ' (stopping)' : ''}`];
  }
  let phase: ImportPhase = first.phase;
  let percent: number | null = first.progress.percent;
  while (phase === 'receiving' || phase === 'validating') {
    const status = await getCustomersImport({ client, path: { import_id: id } });
    if (status.error) return [describeFailure(status.error)];
    ({ phase } = status.data.data);
    percent = status.data.data.progress.percent;
  }
  const report = [`${id}: ${phase} (${percent ?? '?'} %)`];
  const problems = await listCustomersImportRows({
    client,
    path: { import_id: id },
    query: { status: 'error,warning', page: 1, page_size: 100 },
  });
  if (problems.error) return [...report, describeFailure(problems.error)];
  report.push(`${problems.data.data.total} problems`, ...problems.data.data.items.map(rowSummary));
  const failed = await listCustomersImportResults({
    client,
    path: { import_id: id },
    query: { status: 'failed' },
  });
  if (failed.error) return [...report, describeFailure(failed.error)];
  for (const result of failed.data.data.items) report.push(`${result.row_number}: ${result.error}`);
  return report;
}
