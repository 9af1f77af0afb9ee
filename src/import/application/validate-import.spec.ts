import { describe, expect, test } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImportRow } from '../domain/import-row.js';
import type { ImportSession } from '../domain/import-session.js';
import { type ImportContext, ImportTarget } from '../domain/import-target.js';
import { FakeRows, FakeSessions, type FakeStore, fakeEngine } from './fakes.spec-helper.js';
import type { SourceRow } from './validate-import.js';

/** Logs what the engine does, in order; stores rows slowly when asked to. */
class LoggingRows extends FakeRows {
  constructor(
    store: FakeStore,
    readonly log: string[],
  ) {
    super(store);
  }
  /** Milliseconds each insertRows takes, by batch (1-based); default 0. */
  delays: Record<number, number> = {};
  /** insertRows of this batch (1-based) fails. */
  failAt?: number;
  private batch = 0;

  override async insertRows(id: string, rows: ImportRow<unknown>[]) {
    const batch = ++this.batch;
    this.log.push(`store ${batch} start`);
    await sleep(this.delays[batch] ?? 0);
    if (batch === this.failAt) throw new Error('disk full');
    await super.insertRows(id, rows);
    this.log.push(`store ${batch} done`);
  }
  override async firstClaims(id: string, keys: string[]) {
    this.log.push(`claims ${keys.join(',')}`);
    const stored = this.store.rows.get(id) ?? [];
    return new Map(
      stored.flatMap((r) =>
        r.claimsKey && keys.includes(r.claimsKey) ? [[r.claimsKey, r.rowNumber] as const] : [],
      ),
    );
  }
}

class LoggingSessions extends FakeSessions {
  constructor(
    store: FakeStore,
    readonly log: string[],
  ) {
    super(store);
  }
  override async delete(id: string) {
    this.log.push('delete');
    await super.delete(id);
  }
}

class NameTarget extends ImportTarget<{ name: string }> {
  readonly entityType = 'customers' as const;
  readonly columns = ['name'];
  /** Milliseconds the first classify takes. */
  slowClassify = 0;
  private classified = 0;
  constructor(private readonly log: string[]) {
    super();
  }
  duplicateSeverity() {
    return 'warning' as const;
  }
  check(cells: Record<string, string>) {
    this.log.push(`check ${cells.name}`);
    return {
      payload: { name: cells.name },
      errors: [],
      duplicateKey: { field: 'name', value: cells.name },
    };
  }
  async classify(rows: ImportRow<{ name: string }>[], _context: ImportContext) {
    const names = rows.map((r) => r.payload.name).join(',');
    this.log.push(`classify ${names} start`);
    if (this.classified++ === 0) await sleep(this.slowClassify);
    this.log.push(`classify ${names} done`);
  }
  async write(): Promise<never> {
    throw new Error('not used by validate');
  }
  async lockForRevert(): Promise<never> {
    throw new Error('not used by validate');
  }
  async revert(): Promise<never> {
    throw new Error('not used by validate');
  }
  describeFailure() {
    return '';
  }
}

const rowsOf = (names: string[], first: number): SourceRow[] =>
  names.map((name, i) => ({ rowNumber: first + i, cells: { name } }));

/** A source of batches that logs when it is closed and can fail after its batches. */
async function* source(log: string[], batches: string[][], failAfter = false) {
  try {
    let first = 2;
    for (const names of batches) {
      yield rowsOf(names, first);
      first += names.length;
    }
    if (failAfter) throw new Error('invalid CSV at line 9');
  } finally {
    log.push('source closed');
  }
}

function setUp() {
  const log: string[] = [];
  let rows!: LoggingRows;
  const engine = fakeEngine({
    sessions: (store) => new LoggingSessions(store, log),
    rows: (store) => (rows = new LoggingRows(store, log)),
  });
  const target = new NameTarget(log);
  const run = (batches: string[][], failAfter = false): Promise<ImportSession> =>
    engine.validate.validateSource(
      target,
      { sub: 'u', businessUid: 'b' },
      { settings: {} },
      source(log, batches, failAfter),
    );
  return { store: engine.store, sessions: rows, target, run, log };
}

describe('ValidateImport', () => {
  test('checks the next batch during the database stage of the previous one; duplicates across batches are still found', async () => {
    const { store, sessions, target, run } = setUp();
    target.slowClassify = 30;
    sessions.delays = { 1: 30 };
    const session = await run([['a', 'b'], ['c', 'a'], ['d']]);

    const log = sessions.log;
    // Batch 2 is checked while batch 1 is classified against the database…
    expect(log.indexOf('check c')).toBeLessThan(log.indexOf('classify a,b done'));
    // …but its duplicate lookup waits for batch 1 to be stored, so row 5 (a) repeats row 2.
    expect(log.indexOf('claims name:c,name:a')).toBeGreaterThan(log.indexOf('store 1 done'));
    const rows = store.rows.get(session.id)!;
    expect(rows.map((r) => [r.rowNumber, r.status, r.duplicateOf])).toEqual([
      [2, 'valid', undefined],
      [3, 'valid', undefined],
      [4, 'valid', undefined],
      [5, 'warning', 2],
      [6, 'valid', undefined],
    ]);
    expect(session.phase).toBe('validated');
    expect(session.snapshot.counts).toMatchObject({ total: 5, valid: 4, warning: 1 });
  });

  test('a source failing mid-file: the batch being stored settles before the session is deleted', async () => {
    const { store, sessions, run } = setUp();
    sessions.delays = { 2: 30 };
    // The failure shows when the batch after [c] is read, while [b] is being stored.
    await expect(run([['a'], ['b'], ['c']], true)).rejects.toThrow('invalid CSV at line 9');
    const log = sessions.log;
    expect(log.indexOf('store 2 done')).toBeGreaterThan(-1);
    expect(log.indexOf('store 2 done')).toBeLessThan(log.indexOf('delete'));
    expect(store.sessions.size).toBe(0);
  });

  test('a batch that cannot be stored stops validate and closes the source', async () => {
    const { sessions, run } = setUp();
    sessions.failAt = 1;
    sessions.delays = { 1: 20 };
    await expect(run([['a'], ['b'], ['c'], ['d']])).rejects.toThrow('disk full');
    const log = sessions.log;
    expect(log).toContain('source closed');
    expect(log).not.toContain('store 2 start'); // nothing is stored after the failure
    expect(log).not.toContain('check d'); // nor read further than one batch ahead
    expect(log.at(-1)).toBe('delete');
  });
});
