import type { RevertOutcome } from '../domain/import-change.js';
import type { ImportRow, RowIssue, RowOutcome } from '../domain/import-row.js';
import { type ImportSession, sum } from '../domain/import-session.js';
import type {
  CandidateDto,
  ImportIssueDto,
  ImportJobDto,
  ImportRowDto,
  OutcomeCountersDto,
  RevertCountersDto,
  RevertRowResultDto,
  RowResultDto,
} from './import.dto.js';

/**
 * The import's JSON on the wire (SPEC §6, §8): the one place where the kernel's records become
 * the seeds' shapes (`logto_id`, `type`, an ambiguity as an error whose message is `ambiguous`).
 */

const issues = <T>(list: T[]) => (list.length > 0 ? list : undefined);

/** An issue as the seeds show it; an ambiguity is an error `ambiguous` with its candidates. */
type IssueJson = ImportIssueDto;

/** The JSON of one validated row (SPEC §6.1): empty lists and absent fields left out. */
export function rowJson(row: ImportRow<unknown>) {
  const errors: IssueJson[] = [
    ...row.errors,
    ...row.ambiguities.map((a): IssueJson => ({
      field: a.field,
      message: 'ambiguous',
      ...(a.values ? { values: a.values } : {}),
      candidates: a.candidates.map((c) => ({
        logto_id: c.id,
        name: c.name,
        type: c.kind as CandidateDto['type'],
      })),
    })),
  ];
  return {
    row_number: row.rowNumber,
    status: row.status,
    data: row.data,
    errors: issues(errors),
    warnings: issues<RowIssue>(row.warnings),
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

export function counters(session: ImportSession) {
  const { created, updated, skipped, failed } = session.outcomes;
  return { created, updated, skipped, failed } satisfies OutcomeCountersDto;
}

/** The JSON of what undo did with one row (SPEC §8). */
export function revertResultJson(o: RevertOutcome) {
  return {
    row_number: o.rowNumber,
    status: o.status,
    id: o.id,
    ...('reason' in o && o.reason ? { reason: o.reason } : {}),
    ...('fields' in o ? { fields: o.fields } : {}),
    ...('error' in o ? { error: o.error } : {}),
  } satisfies RevertRowResultDto;
}

export function revertCounters(session: ImportSession) {
  const { deleted, restored, kept } = session.reverts;
  return { deleted, restored, kept } satisfies RevertCountersDto;
}

/** Where an import's own resources are (`one` is its status path). */
export function importLinks(one: string) {
  return {
    self: one,
    events: `${one}/events`,
    rows: `${one}/rows`,
    results: `${one}/results`,
    errors_csv: `${one}/errors.csv`,
    cancel: `${one}/cancel`,
    revert: `${one}/revert`,
    revert_results: `${one}/revert/results`,
  };
}

/**
 * A session's state and progress, without its rows (SPEC §8): the flat fields of before —
 * `status` keeps its values for existing clients (`receiving` shows as `validating`) — and the
 * phase, the progress of the current phase, its timestamps, until when it can be undone
 * (`undoSeconds` after it ended), what an undo did, and the links to the rest.
 */
export function statusJson(
  session: ImportSession,
  one: string,
  undoSeconds: number,
  now = new Date(),
) {
  const s = session.snapshot;
  const phase = session.displayPhase(now);
  return {
    import_id: s.id,
    entity_type: s.entityType as ImportJobDto['entity_type'],
    channel: s.channel.kind,
    status: phase === 'receiving' ? 'validating' : phase,
    ...(s.channel.kind === 'app' ? { app_code_name: s.channel.appCodeName } : {}),
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
    phase,
    progress: {
      rows_processed: s.progress.done,
      total_rows: s.progress.total,
      total_is_estimate: s.progress.estimate,
      percent: session.percent(),
    },
    started_at: s.phaseStartedAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    undo_until: session.undoUntil(undoSeconds)?.toISOString() ?? null,
    revert: phase === 'reverting' || phase === 'reverted' ? revertCounters(session) : null,
    cancel_requested: s.cancelRequested,
    links: importLinks(one),
  } satisfies ImportJobDto;
}

export type StatusJson = ReturnType<typeof statusJson>;
