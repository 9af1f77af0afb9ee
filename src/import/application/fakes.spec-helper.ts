import type { TransactionRunner } from '../../shared/database/transaction-runner.js';
import type { ImportRow, RowOutcome } from '../domain/import-row.js';
import { ImportSession } from '../domain/import-session.js';
import { ImportSessionRepository, type StoredRow } from '../domain/import-session.repository.js';

export type Payload = { name: string; bad?: boolean };

/** In-memory fakes of the engine's ports (what it does, without a database), for unit specs. */
export class FakeStore {
  entities = new Map<string, Payload>();
  sessions = new Map<string, ImportSession>();
  rows = new Map<string, StoredRow[]>();
}

export class FakeTx implements TransactionRunner {
  constructor(private readonly store: FakeStore) {}
  run<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const before = new Map(this.store.entities);
    try {
      return await work();
    } catch (error) {
      this.store.entities = before;
      throw error;
    }
  }
}

export class FakeSessions extends ImportSessionRepository {
  writes = 0;
  constructor(protected readonly store: FakeStore) {
    super();
  }
  async insert(s: ImportSession) {
    this.store.sessions.set(s.id, ImportSession.restore(s.snapshot));
  }
  async save(s: ImportSession, expected: number) {
    const current = this.store.sessions.get(s.id)!;
    if (current.snapshot.version !== expected) return false;
    this.store.sessions.set(s.id, ImportSession.restore(s.snapshot));
    return true;
  }
  async findById(id: string) {
    const s = this.store.sessions.get(id);
    return s ? ImportSession.restore(s.snapshot) : null;
  }
  async delete(id: string) {
    this.store.sessions.delete(id);
  }
  async insertRows(id: string, rows: ImportRow<unknown>[]) {
    this.store.rows.set(id, [...(this.store.rows.get(id) ?? []), ...rows]);
  }
  async findRows(id: string, numbers: number[]) {
    return new Map(
      (this.store.rows.get(id) ?? [])
        .filter((r) => numbers.includes(r.rowNumber))
        .map((r) => [r.rowNumber, r]),
    );
  }
  async rowsLoaded() {}
  async pendingRows(id: string, after: number, limit: number) {
    return (this.store.rows.get(id) ?? [])
      .filter((r) => r.rowNumber > after && !r.outcome)
      .slice(0, limit);
  }
  async *streamRows(id: string) {
    yield this.store.rows.get(id) ?? [];
  }
  async *streamOutcomes(id: string) {
    yield (this.store.rows.get(id) ?? []).flatMap((r) => (r.outcome ? [r.outcome] : []));
  }
  async firstClaims(_id: string, _keys: string[]) {
    return new Map<string, number>();
  }
  async lockForOwner(id: string, owner: string) {
    return this.store.sessions.get(id)!.ownsLease(owner);
  }
  async recordOutcomes(s: ImportSession, outcomes: RowOutcome[]) {
    this.writes++;
    for (const o of outcomes)
      this.store.rows.get(s.id)!.find((r) => r.rowNumber === o.rowNumber)!.outcome = o;
    this.store.sessions.set(s.id, ImportSession.restore(s.snapshot));
  }
  async renewLease() {
    return true;
  }
  async findResumable() {
    return [];
  }
  async findCollectable() {
    return [];
  }
  async deleteRows() {}
  async list() {
    return { items: [], page: 1, page_size: 20, total: 0 };
  }
  async purge() {
    return 0;
  }
}
