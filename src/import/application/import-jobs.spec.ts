import { describe, expect, test } from '@jest/globals';
import type { ImportRow } from '../domain/import-row.js';
import { ImportSession } from '../domain/import-session.js';
import type { ImportContext, RowAction } from '../domain/import-target.js';
import { CancelImport } from './cancel-import.js';
import {
  fakeEngine,
  FakeSessions,
  FakeTarget,
  type FakeStore,
  type Payload,
} from './fakes.spec-helper.js';
import { BATCH_SIZE, type SourceRow } from './validate-import.js';

/** Every phase a save wrote, marked `(leased)` when the lease was still held after the write. */
class PhaseLog extends FakeSessions {
  written: string[] = [];
  override async save(s: ImportSession, owner: string, options: { release?: boolean } = {}) {
    const saved = await super.save(s, owner, options);
    if (saved) this.written.push(`${s.phase}${this.store.leases.has(s.id) ? ' (leased)' : ''}`);
    return saved;
  }
}

const AT_REST = ['validated', 'completed', 'cancelled', 'failed', 'reverted'];
const restingWhileLeased = (written: string[]) =>
  written.filter((w) => AT_REST.some((phase) => w === `${phase} (leased)`));

/** The fake target, each batch taking `delayMs`, so a test can act between batches. */
class SlowTarget extends FakeTarget {
  constructor(
    store: FakeStore,
    private readonly delayMs: number,
  ) {
    super(store);
  }
  override async write(actions: RowAction<Payload>[], context?: ImportContext) {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.write(actions, context);
  }
}

async function setUp(rowCount: number, delayMs = 20) {
  const engine = fakeEngine();
  const rows: ImportRow<Payload>[] = Array.from({ length: rowCount }, (_, i) => ({
    rowNumber: i + 2,
    status: 'valid',
    data: {},
    errors: [],
    warnings: [],
    ambiguities: [],
    payload: { name: `n${i}` },
  }));
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
  const target = new SlowTarget(engine.store, delayMs);
  engine.targets.register(target);
  const caller = { sub: 'u', businessUid: 'b' };
  const request = { importId: 's', override: false, resolutions: {} };
  const outcomes = () => engine.store.rows.get('s')!.filter((r) => r.outcome).length;
  const idle = async () => {
    while (engine.jobs.runningCount > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  return { ...engine, target, caller, request, outcomes, idle };
}

describe('ImportJobs and the lease component', () => {
  test('shutdown begins: a background confirm stops at its next batch and gives its lease up; another instance resumes it', async () => {
    const e = await setUp(4 * BATCH_SIZE, 30);
    await e.confirm.accept(e.target, e.caller, e.request);
    while (e.outcomes() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    e.shutdown.begin('SIGTERM');
    await e.idle();
    const stopped = e.store.sessions.get('s')!;
    expect(stopped.phase).toBe('confirming');
    expect(e.outcomes()).toBeGreaterThan(0);
    expect(e.outcomes()).toBeLessThan(4 * BATCH_SIZE);
    expect(e.store.leases.has('s')).toBe(false); // given up, not left to lapse
    expect(await e.leases.claim('s', ['confirming'])).toBeNull(); // this instance takes no more

    // Another instance (another engine on the same store) takes it over at once.
    const other = fakeEngine({ store: e.store });
    other.targets.register(e.target);
    expect(await other.jobs.start('s')).toBe(true);
    while (other.jobs.runningCount > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(e.store.sessions.get('s')!.phase).toBe('completed');
    expect(e.outcomes()).toBe(4 * BATCH_SIZE);
    expect(e.store.sessions.get('s')!.outcomes.created).toBe(4 * BATCH_SIZE);
  });

  test('a cancel asked for while a confirm runs stops it at its next batch: cancelled, rows written reported', async () => {
    const e = await setUp(4 * BATCH_SIZE, 30);
    const confirming = e.confirm.confirm(e.target, e.caller, e.request);
    while (e.outcomes() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await e.sessions.requestCancel('s');
    e.leases.haltHere('s', 'cancelled');
    await expect(confirming).rejects.toMatchObject({ status: 409, code: 'import_cancelled' });
    const cancelled = e.store.sessions.get('s')!;
    expect(cancelled.phase).toBe('cancelled');
    expect(cancelled.outcomes.created).toBe(e.outcomes());
    expect(e.outcomes()).toBeLessThan(4 * BATCH_SIZE);
    expect(e.store.leases.has('s')).toBe(false);
  });

  test('a holder whose lease was taken over writes nothing more and tells no one', async () => {
    const e = await setUp(4 * BATCH_SIZE, 30);
    const confirming = e.confirm.confirm(e.target, e.caller, e.request);
    while (e.outcomes() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Another instance holds the lease now (the first one's renewals were lost).
    e.store.leases.set('s', { owner: 'another-instance', expiresAt: Date.now() + 60_000 });
    const before = e.outcomes();
    await expect(confirming).rejects.toMatchObject({ status: 503 });
    expect(e.outcomes()).toBeLessThanOrEqual(before + BATCH_SIZE); // at most the batch in flight
    expect(e.store.sessions.get('s')!.phase).toBe('confirming');
    expect(e.store.leases.get('s')!.owner).toBe('another-instance'); // not released by the loser
  });

  test('a job left by a dead instance (lease lapsed) is found and resumed by the loop', async () => {
    const e = await setUp(BATCH_SIZE + 10, 0);
    const session = e.store.sessions.get('s')!;
    session.beginConfirm({ now: new Date(), override: false, resolutions: {} });
    e.store.sessions.set('s', session);
    e.store.leases.set('s', { owner: 'dead', expiresAt: Date.now() - 1000 });
    await e.jobs.tick();
    await e.idle();
    expect(e.store.sessions.get('s')!.phase).toBe('completed');
    expect(e.outcomes()).toBe(BATCH_SIZE + 10);
  });

  test('a session is never seen at rest while still leased: validated, completed, reverted and cancelled give the lease up in the same write', async () => {
    let log!: PhaseLog;
    const e = fakeEngine({ sessions: (store) => (log = new PhaseLog(store)) });
    const target = new SlowTarget(e.store, 0);
    e.targets.register(target);
    const caller = { sub: 'u', businessUid: 'b' };
    async function* source(): AsyncIterable<SourceRow[]> {
      yield [2, 3, 4].map((rowNumber) => ({ rowNumber, cells: { name: `n${rowNumber}` } }));
    }
    const session = await e.validate.validateSource(target, caller, { settings: {} }, source());
    await e.confirm.confirm(target, caller, {
      importId: session.id,
      override: false,
      resolutions: {},
    });
    await e.revert.revert(target, caller, session.id);
    expect(log.written).toEqual(expect.arrayContaining(['validated', 'completed', 'reverted']));

    // A confirm cancelled between batches ends `cancelled` the same way.
    const slow = await setUp(8 * BATCH_SIZE, 30);
    const cancelLog = new PhaseLog(slow.store);
    slow.sessions.save = cancelLog.save.bind(cancelLog);
    await slow.confirm.accept(slow.target, slow.caller, slow.request);
    while (slow.outcomes() === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await new CancelImport(slow.queries, slow.sessions, slow.leases, slow.jobs).cancel(
      'clients',
      slow.caller,
      's',
    );
    await slow.idle();
    expect(cancelLog.written).toContain('cancelled');

    expect(restingWhileLeased([...log.written, ...cancelLog.written])).toEqual([]);
  });
});
