import type { ImportSessionState, Phase } from '../domain/import-session.js';
import type { ImportChannel } from '../domain/import-target.js';

/** A row of `import_sessions` as the driver returns it. */
export interface SessionRecord {
  id: string;
  business_uid: string;
  created_by: string;
  entity_type: string;
  channel: string;
  status: string;
  options: StoredOptions;
  total_rows: number;
  valid_rows: number;
  warning_rows: number;
  error_rows: number;
  ambiguous_rows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  deleted: number;
  restored: number;
  kept: number;
  undo_recorded: boolean;
  override: boolean;
  resolutions: Record<string, string>;
  created_at: Date;
  expires_at: Date;
  confirmed_at: Date | null;
  completed_at: Date | null;
  error: string | null;
  cancel_requested_at: Date | null;
  phase_started_at: Date;
  updated_at: Date;
  progress_done: number;
  progress_total: number | null;
  progress_estimate: boolean;
  upload_stored: boolean;
  upload_bytes: string | number | null;
}

/** What `import_sessions.options` holds. */
interface StoredOptions {
  channel: ImportChannel;
  fieldsMapping?: Record<string, string>;
  settings?: Record<string, string>;
}

/** The columns `save` writes, in order (the id first); lease columns belong to the leases. */
export const STATE_COLUMNS = [
  'id',
  'business_uid',
  'created_by',
  'entity_type',
  'channel',
  'status',
  'options',
  'total_rows',
  'valid_rows',
  'warning_rows',
  'error_rows',
  'ambiguous_rows',
  'created',
  'updated',
  'skipped',
  'failed',
  'deleted',
  'restored',
  'kept',
  'undo_recorded',
  'override',
  'resolutions',
  'created_at',
  'expires_at',
  'confirmed_at',
  'completed_at',
  'error',
  'phase_started_at',
  'updated_at',
  'progress_done',
  'progress_total',
  'progress_estimate',
  'upload_stored',
  'upload_bytes',
] as const;

export const SESSION_COLUMNS = [...STATE_COLUMNS, 'cancel_requested_at'].join(', ');

/** The session's state from its stored record. */
export function toState(r: SessionRecord): ImportSessionState {
  return {
    id: r.id,
    businessUid: r.business_uid,
    createdBy: r.created_by,
    entityType: r.entity_type,
    channel: r.options.channel,
    ...(r.options.fieldsMapping ? { fieldsMapping: r.options.fieldsMapping } : {}),
    settings: r.options.settings ?? {},
    phase: r.status as Phase,
    counts: {
      total: r.total_rows,
      valid: r.valid_rows,
      warning: r.warning_rows,
      error: r.error_rows,
      ambiguous: r.ambiguous_rows,
    },
    outcomes: { created: r.created, updated: r.updated, skipped: r.skipped, failed: r.failed },
    reverts: { deleted: r.deleted, restored: r.restored, kept: r.kept },
    undoRecorded: r.undo_recorded,
    override: r.override,
    resolutions: r.resolutions,
    progress: { done: r.progress_done, total: r.progress_total, estimate: r.progress_estimate },
    cancelRequested: r.cancel_requested_at !== null,
    uploadStored: r.upload_stored,
    uploadBytes: r.upload_bytes === null ? null : Number(r.upload_bytes),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    phaseStartedAt: r.phase_started_at,
    updatedAt: r.updated_at,
    confirmedAt: r.confirmed_at,
    completedAt: r.completed_at,
    error: r.error,
  };
}

/** The values of STATE_COLUMNS, in order. */
export function stateValues(s: Readonly<ImportSessionState>): unknown[] {
  const options: StoredOptions = {
    channel: s.channel,
    ...(s.fieldsMapping ? { fieldsMapping: s.fieldsMapping } : {}),
    settings: s.settings,
  };
  return [
    s.id,
    s.businessUid,
    s.createdBy,
    s.entityType,
    s.channel.kind,
    s.phase,
    JSON.stringify(options),
    s.counts.total,
    s.counts.valid,
    s.counts.warning,
    s.counts.error,
    s.counts.ambiguous,
    s.outcomes.created,
    s.outcomes.updated,
    s.outcomes.skipped,
    s.outcomes.failed,
    s.reverts.deleted,
    s.reverts.restored,
    s.reverts.kept,
    s.undoRecorded,
    s.override,
    JSON.stringify(s.resolutions),
    s.createdAt,
    s.expiresAt,
    s.confirmedAt,
    s.completedAt,
    s.error,
    s.phaseStartedAt,
    s.updatedAt,
    s.progress.done,
    s.progress.total,
    s.progress.estimate,
    s.uploadStored,
    s.uploadBytes,
  ];
}
