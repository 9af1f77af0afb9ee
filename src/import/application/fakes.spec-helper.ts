import type { AppConfig } from '../../config/app-config.js';
import type { TransactionRunner } from '../../shared/database/transaction-runner.js';
import { ShutdownState } from '../../shared/lifecycle/shutdown-state.js';
import { NoMetrics } from '../../shared/metrics/metrics.js';
import { offsetOf, type Page, type PageRequest, pageOf } from '../../shared/pagination.js';
import {
  changedFields,
  type ImportChange,
  type LockedRecord,
  type RevertAction,
  type RevertOutcome,
  type RevertStatus,
} from '../domain/import-change.js';
import { ImportChangeRepository } from '../domain/import-change.repository.js';
import type { ImportRow, OutcomeStatus, RowOutcome, RowStatus } from '../domain/import-row.js';
import { ImportOutcomeRepository } from '../domain/import-outcome.repository.js';
import { ImportRowRepository, type StoredRow } from '../domain/import-row.repository.js';
import { ImportSession, type Phase } from '../domain/import-session.js';
import { ImportSessionRepository } from '../domain/import-session.repository.js';
import {
  type ImportContext,
  ImportTarget,
  type RowAction,
  type WriteResult,
} from '../domain/import-target.js';
import { JobLeaseRepository, type WaitingJob } from '../domain/job-lease.repository.js';
import { RevertOutcomeRepository } from '../domain/revert-outcome.repository.js';
import { UploadRepository } from '../domain/upload.repository.js';
import { ConfirmImport } from './confirm-import.js';
import { ImportJobs } from './import-jobs.js';
import { ImportQueries } from './import-queries.js';
import { ImportTargets } from './import-targets.js';
import { JobLeases } from './job-leases.js';
import { RevertImport } from './revert-import.js';
import { ValidateImport } from './validate-import.js';

export type Payload = { name: string; bad?: boolean };

/** One page of the items of some statuses (all when none are given). */
function pageOfAll<T extends { status: string }>(
  items: readonly T[],
  statuses: readonly string[] | undefined,
  page: PageRequest,
): Page<T> {
  const all = items.filter((item) => !statuses || statuses.includes(item.status));
  return pageOf(all.slice(offsetOf(page), offsetOf(page) + page.pageSize), all.length, page);
}

interface Lease {
  owner: string;
  expiresAt: number;
}

/** In-memory fakes of the engine's ports (what it does, without a database), for unit specs. */
export class FakeStore {
  entities = new Map<string, Payload>();
  sessions = new Map<string, ImportSession>();
  rows = new Map<string, StoredRow[]>();
  leases = new Map<string, Lease>();
  cancels = new Set<string>();
  uploads = new Map<string, Buffer>();
  /** The undo log and undo's outcomes, by session. */
  changes = new Map<string, ImportChange[]>();
  reverts = new Map<string, RevertOutcome[]>();
  /** Entities something refers to (undo keeps them). */
  referenced = new Set<string>();
}

export class FakeTx implements TransactionRunner {
  constructor(private readonly store: FakeStore) {}
  run<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const before = new Map([...this.store.entities].map(([id, e]) => [id, { ...e }]));
    try {
      return await work();
    } catch (error) {
      this.store.entities = before;
      throw error;
    }
  }
  detached<T>(work: () => T): T {
    return work();
  }
}

export class FakeSessions extends ImportSessionRepository {
  /** Saves of a session (each batch saves its progress). */
  writes = 0;
  constructor(protected readonly store: FakeStore) {
    super();
  }
  async insert(s: ImportSession) {
    this.store.sessions.set(s.id, ImportSession.restore(s.snapshot));
  }
  async save(s: ImportSession, owner: string, options: { release?: boolean } = {}) {
    if (this.store.leases.get(s.id)?.owner !== owner) return false;
    const before = this.store.sessions.get(s.id);
    if (before && before.phase !== s.phase) this.store.cancels.delete(s.id);
    this.store.sessions.set(s.id, ImportSession.restore(s.snapshot));
    if (options.release) this.store.leases.delete(s.id);
    this.writes++;
    return true;
  }
  async findById(id: string) {
    const s = this.store.sessions.get(id);
    if (!s) return null;
    return ImportSession.restore({ ...s.snapshot, cancelRequested: this.store.cancels.has(id) });
  }
  async delete(id: string) {
    this.store.sessions.delete(id);
    this.store.rows.delete(id);
  }
  async list() {
    return { items: [], page: 1, page_size: 20, total: 0 };
  }
  async requestCancel(id: string) {
    // As in the database: only a job that can be cancelled (never an undo).
    const phase = this.store.sessions.get(id)?.phase;
    if (phase && !['completed', 'failed', 'cancelled', 'reverting', 'reverted'].includes(phase))
      this.store.cancels.add(id);
  }
  async purge() {
    return 0;
  }
}

export class FakeRows extends ImportRowRepository {
  constructor(protected readonly store: FakeStore) {
    super();
  }
  async insertRows(id: string, rows: ImportRow<unknown>[]) {
    this.store.rows.set(id, [...(this.store.rows.get(id) ?? []), ...structuredClone(rows)]);
  }
  async firstClaims(id: string, keys: string[]) {
    const claims = new Map<string, number>();
    for (const r of this.store.rows.get(id) ?? [])
      if (r.claimsKey && keys.includes(r.claimsKey)) claims.set(r.claimsKey, r.rowNumber);
    return claims;
  }
  async rowsLoaded() {}
  async deleteRows(id: string) {
    this.store.rows.delete(id);
  }
  async findRows(id: string, numbers: number[]) {
    return new Map(
      (this.store.rows.get(id) ?? [])
        .filter((r) => numbers.includes(r.rowNumber))
        .map((r) => [r.rowNumber, r]),
    );
  }
  async pendingRows(id: string, after: number, limit: number) {
    return (this.store.rows.get(id) ?? [])
      .filter((r) => r.rowNumber > after && !r.outcome)
      .slice(0, limit);
  }
  async pageRows(id: string, statuses: readonly RowStatus[] | undefined, page: PageRequest) {
    return pageOfAll(this.store.rows.get(id) ?? [], statuses, page);
  }
  async *streamRows(id: string) {
    yield this.store.rows.get(id) ?? [];
  }
}

export class FakeOutcomes extends ImportOutcomeRepository {
  appended = 0;
  constructor(protected readonly store: FakeStore) {
    super();
  }
  async append(id: string, outcomes: readonly RowOutcome[]) {
    this.appended++;
    for (const o of outcomes)
      this.store.rows.get(id)!.find((r) => r.rowNumber === o.rowNumber)!.outcome = o;
  }
  private all(id: string): RowOutcome[] {
    return (this.store.rows.get(id) ?? []).flatMap((r) => (r.outcome ? [r.outcome] : []));
  }
  async *stream(id: string) {
    yield this.all(id);
  }
  async page(
    id: string,
    statuses: readonly OutcomeStatus[] | undefined,
    page: PageRequest,
  ): Promise<Page<RowOutcome>> {
    return pageOfAll(this.all(id), statuses, page);
  }
}

export class FakeChanges extends ImportChangeRepository {
  constructor(protected readonly store: FakeStore) {
    super();
  }
  async append(id: string, changes: readonly ImportChange[]) {
    this.store.changes.set(id, [
      ...(this.store.changes.get(id) ?? []),
      ...structuredClone(changes),
    ]);
  }
  async pendingReverts(id: string, limit: number) {
    const reverted = (this.store.reverts.get(id) ?? []).map((o) => o.rowNumber);
    const below = reverted.length > 0 ? Math.min(...reverted) : Infinity;
    return (this.store.changes.get(id) ?? [])
      .filter((c) => c.rowNumber < below)
      .sort((a, b) => b.rowNumber - a.rowNumber)
      .slice(0, limit);
  }
  async revertStarts() {}
}

export class FakeReverts extends RevertOutcomeRepository {
  appended = 0;
  constructor(protected readonly store: FakeStore) {
    super();
  }
  async append(id: string, outcomes: readonly RevertOutcome[]) {
    this.appended++;
    const all = [...(this.store.reverts.get(id) ?? []), ...structuredClone(outcomes)];
    this.store.reverts.set(
      id,
      all.sort((a, b) => a.rowNumber - b.rowNumber),
    );
  }
  async outcomesLoaded() {}
  async *stream(id: string) {
    yield this.store.reverts.get(id) ?? [];
  }
  async page(id: string, statuses: readonly RevertStatus[] | undefined, page: PageRequest) {
    return pageOfAll(this.store.reverts.get(id) ?? [], statuses, page);
  }
}

/**
 * A target whose entities live in the fake store (`name` is their one field): it creates,
 * updates, and reverts them; a `bad` payload fails its write, an id in `revertFails` its undo.
 */
export class FakeTarget extends ImportTarget<Payload> {
  readonly entityType = 'clients' as const;
  readonly columns = ['name'];
  override readonly resolves = { field: 'organization_id' };
  /** The size of each write call (a batch, or one row of the fallback). */
  batches: number[] = [];
  /** The size of each undo write call. */
  revertBatches: number[] = [];
  revertFails = new Set<string>();
  constructor(private readonly store: FakeStore) {
    super();
  }
  duplicateSeverity() {
    return 'warning' as const;
  }
  check() {
    return { payload: { name: '' }, errors: [] };
  }
  async classify() {}
  async write(actions: RowAction<Payload>[], _context?: ImportContext): Promise<WriteResult[]> {
    this.batches.push(actions.length);
    return actions.map((a): WriteResult => {
      if (a.payload.bad) throw new Error('constraint violated');
      const written = { name: a.payload.name };
      if (a.kind === 'create') {
        const id = `id-${a.rowNumber}`;
        this.store.entities.set(id, { name: a.payload.name });
        return { rowNumber: a.rowNumber, id, status: 'created', written };
      }
      const before = { name: this.store.entities.get(a.targetId)?.name ?? null };
      this.store.entities.set(a.targetId, { name: a.payload.name });
      return {
        rowNumber: a.rowNumber,
        id: a.targetId,
        status: 'updated',
        ...changedFields(before, written),
      };
    });
  }
  describeFailure(error: unknown) {
    return (error as Error).message;
  }
  async lockForRevert(ids: string[]) {
    const locked = new Map<string, LockedRecord>();
    for (const id of ids) {
      const entity = this.store.entities.get(id);
      if (entity)
        locked.set(id, {
          values: { name: entity.name },
          referenced: this.store.referenced.has(id),
        });
    }
    return locked;
  }
  async revert(actions: RevertAction[]) {
    this.revertBatches.push(actions.length);
    for (const action of actions) {
      if (this.revertFails.has(action.id)) throw new Error(`cannot revert ${action.id}`);
      if (action.kind === 'delete') this.store.entities.delete(action.id);
      else this.store.entities.set(action.id, { name: action.fields.name ?? '' });
    }
  }
}

export class FakeLeaseStore extends JobLeaseRepository {
  constructor(protected readonly store: FakeStore) {
    super();
  }
  async claim(id: string, owner: string, leaseMs: number, phases: readonly Phase[]) {
    const session = this.store.sessions.get(id);
    const current = this.store.leases.get(id);
    if (!session || !phases.includes(session.phase)) return { claimed: false, takeover: false };
    if (current && current.expiresAt > Date.now()) return { claimed: false, takeover: false };
    this.store.leases.set(id, { owner, expiresAt: Date.now() + leaseMs });
    return { claimed: true, takeover: current !== undefined };
  }
  async renew(id: string, owner: string, leaseMs: number) {
    const current = this.store.leases.get(id);
    if (current?.owner !== owner) return { held: false, cancelRequested: false };
    current.expiresAt = Date.now() + leaseMs;
    return { held: true, cancelRequested: this.store.cancels.has(id) };
  }
  async lock(id: string, owner: string) {
    return {
      held: this.store.leases.get(id)?.owner === owner,
      cancelRequested: this.store.cancels.has(id),
    };
  }
  async release(id: string, owner: string) {
    if (this.store.leases.get(id)?.owner === owner) this.store.leases.delete(id);
  }
  async findWaiting(phases: readonly Phase[], limit: number): Promise<WaitingJob[]> {
    return [...this.store.sessions.values()]
      .filter((s) => phases.includes(s.phase))
      .filter((s) => (this.store.leases.get(s.id)?.expiresAt ?? 0) <= Date.now())
      .slice(0, limit)
      .map((s) => ({ sessionId: s.id, phase: s.phase }));
  }
  async countJobs() {
    return { waiting: 0, running: this.store.leases.size };
  }
}

export class FakeUploads extends UploadRepository {
  constructor(protected readonly db: FakeStore) {
    super();
  }
  async store(id: string, chunks: AsyncIterable<Buffer>) {
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    this.db.uploads.set(id, Buffer.concat(parts));
    return this.db.uploads.get(id)!.length;
  }
  async *read(id: string) {
    const bytes = this.db.uploads.get(id);
    if (bytes) yield bytes;
  }
  async delete(id: string) {
    this.db.uploads.delete(id);
  }
}

export const TEST_CONFIG = {
  NODE_ENV: 'test',
  IMPORT_LEASE_SECONDS: 30,
  IMPORT_JOB_CONCURRENCY: 2,
  SHUTDOWN_TIMEOUT_SECONDS: 1,
  IMPORT_SESSION_TTL_SECONDS: 600,
  IMPORT_SESSION_RETENTION_SECONDS: 3600,
  IMPORT_UNDO_SECONDS: 7200,
  IMPORT_MAX_ROWS: 100_000,
} as AppConfig;

/** The engine wired on in-memory fakes (or on subclasses of them that a spec passes). */
export function fakeEngine(
  options: {
    store?: FakeStore;
    config?: AppConfig;
    sessions?: (store: FakeStore) => FakeSessions;
    rows?: (store: FakeStore) => FakeRows;
  } = {},
) {
  const store = options.store ?? new FakeStore();
  const config = options.config ?? TEST_CONFIG;
  const sessions = options.sessions?.(store) ?? new FakeSessions(store);
  const rows = options.rows?.(store) ?? new FakeRows(store);
  const outcomes = new FakeOutcomes(store);
  const changes = new FakeChanges(store);
  const reverts = new FakeReverts(store);
  const leaseStore = new FakeLeaseStore(store);
  const uploads = new FakeUploads(store);
  const tx = new FakeTx(store);
  const targets = new ImportTargets();
  const metrics = new NoMetrics();
  const shutdown = new ShutdownState();
  const leases = new JobLeases(leaseStore, sessions, tx, config, shutdown);
  const jobs = new ImportJobs(leases, leaseStore, sessions, config, metrics, shutdown);
  const validate = new ValidateImport(
    sessions,
    rows,
    uploads,
    leases,
    jobs,
    targets,
    config,
    metrics,
  );
  const confirm = new ConfirmImport(
    sessions,
    rows,
    outcomes,
    changes,
    leases,
    jobs,
    targets,
    tx,
    metrics,
  );
  const queries = new ImportQueries(sessions, rows, outcomes, reverts);
  const revert = new RevertImport(
    queries,
    changes,
    reverts,
    leases,
    jobs,
    targets,
    tx,
    config,
    metrics,
  );
  return {
    store,
    sessions,
    rows,
    outcomes,
    changes,
    reverts,
    leaseStore,
    uploads,
    targets,
    leases,
    jobs,
    validate,
    confirm,
    shutdown,
    queries,
    revert,
  };
}

/** A row of a test file (a `warning` row carries a duplicate_in_csv warning). */
export function fakeRow(
  n: number,
  status: ImportRow['status'],
  payload: Payload,
  extra: Partial<ImportRow<Payload>> = {},
): ImportRow<Payload> {
  return {
    rowNumber: n,
    status,
    data: {},
    errors: [],
    warnings: status === 'warning' ? [{ field: 'email', message: 'duplicate_in_csv' }] : [],
    ambiguities: [],
    payload,
    ...extra,
  };
}

/** The engine with session `s` (business `b`, created by `u`) validated with `rows`, and a FakeTarget. */
export async function validatedEngine(rows: ImportRow<Payload>[]) {
  const engine = fakeEngine();
  const session = ImportSession.start({
    id: 's',
    businessUid: 'b',
    createdBy: 'u',
    entityType: 'clients',
    channel: { kind: 'csv', format: 'csv' },
    now: new Date(),
    ttlSeconds: 600,
  });
  session.addRows(rows, new Date());
  session.markValidated(new Date(), 600);
  await engine.sessions.insert(session);
  await engine.rows.insertRows('s', rows);
  const target = new FakeTarget(engine.store);
  engine.targets.register(target);
  return { ...engine, target };
}

/** Waits (a second at most) until the background jobs started here have ended. */
export async function jobsSettled(jobs: ImportJobs): Promise<void> {
  for (let i = 0; i < 100 && jobs.runningCount > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}
