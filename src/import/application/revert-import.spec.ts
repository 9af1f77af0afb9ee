import { beforeAll, describe, expect, test } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ImportRow } from '../domain/import-row.js';
import { CancelImport } from './cancel-import.js';
import { fakeRow, jobsSettled, type Payload, validatedEngine } from './fakes.spec-helper.js';
import { BATCH_SIZE } from './validate-import.js';

const CALLER = { sub: 'u', businessUid: 'b' };

beforeAll(() => Logger.overrideLogger(false)); // each undo logs a line

const row = (n: number, status: 'valid' | 'warning', payload: Payload, existingId?: string) =>
  fakeRow(n, status, payload, existingId ? { existingId } : {});

/** A confirmed import of `rows` (warnings update the existing entities they name). */
async function confirmed(rows: ImportRow<Payload>[], existing: Record<string, string> = {}) {
  const engine = await validatedEngine(rows);
  for (const [id, name] of Object.entries(existing)) engine.store.entities.set(id, { name });
  await engine.confirm.confirm(engine.target, CALLER, {
    importId: 's',
    override: true,
    resolutions: {},
  });
  return engine;
}

const many = (n: number) =>
  Array.from({ length: n }, (_, i) => row(i + 2, 'valid', { name: `n${i}` }));

describe('confirm records what undo needs', () => {
  test('each created row its values, each updated row the fields it changed with their values before', async () => {
    const { store } = await confirmed(
      [
        row(2, 'valid', { name: 'new' }),
        row(3, 'warning', { name: 'renamed' }, 'e1'),
        row(4, 'warning', { name: 'same' }, 'e2'),
      ],
      { e1: 'old', e2: 'same' },
    );
    expect(store.changes.get('s')).toEqual([
      { rowNumber: 2, entityId: 'id-2', kind: 'created', written: { name: 'new' } },
      {
        rowNumber: 3,
        entityId: 'e1',
        kind: 'updated',
        before: { name: 'old' },
        written: { name: 'renamed' },
      },
      { rowNumber: 4, entityId: 'e2', kind: 'updated', before: {}, written: {} },
    ]);
  });

  test('a batch replayed row by row records the rows written, not the one that failed', async () => {
    const { store, target } = await confirmed([
      row(2, 'valid', { name: 'a' }),
      row(3, 'valid', { name: 'b', bad: true }),
      row(4, 'valid', { name: 'c' }),
    ]);
    expect(target.batches).toEqual([3, 1, 1, 1]);
    expect(store.changes.get('s')!.map((c) => [c.rowNumber, c.entityId])).toEqual([
      [2, 'id-2'],
      [4, 'id-4'],
    ]);
  });
});

describe('RevertImport', () => {
  test('deletes what was created, restores what was updated, keeps what changed since or is referenced', async () => {
    const engine = await confirmed(
      [
        row(2, 'valid', { name: 'untouched' }),
        row(3, 'valid', { name: 'edited' }),
        row(4, 'valid', { name: 'referenced' }),
        row(5, 'warning', { name: 'imported' }, 'e1'),
        row(6, 'warning', { name: 'imported' }, 'e2'),
      ],
      { e1: 'before 1', e2: 'before 2' },
    );
    const { store, revert, target } = engine;
    store.entities.set('id-3', { name: 'by hand' });
    store.entities.set('e2', { name: 'by hand' });
    store.referenced.add('id-4');

    const { session, replayed } = await revert.revert(target, CALLER, 's');
    expect(replayed).toBe(false);
    expect(session.phase).toBe('reverted');
    expect(session.reverts).toEqual({ deleted: 1, restored: 1, kept: 3 });
    expect(store.reverts.get('s')).toEqual([
      { rowNumber: 2, id: 'id-2', status: 'deleted' },
      {
        rowNumber: 3,
        id: 'id-3',
        status: 'kept',
        reason: 'modified_since',
        fields: { name: { before: null, imported: 'edited', current: 'by hand' } },
      },
      { rowNumber: 4, id: 'id-4', status: 'kept', reason: 'referenced' },
      { rowNumber: 5, id: 'e1', status: 'restored' },
      {
        rowNumber: 6,
        id: 'e2',
        status: 'kept',
        reason: 'modified_since',
        fields: { name: { before: 'before 2', imported: 'imported', current: 'by hand' } },
      },
    ]);
    expect(Object.fromEntries(store.entities)).toEqual({
      'id-3': { name: 'by hand' },
      'id-4': { name: 'referenced' },
      e1: { name: 'before 1' },
      e2: { name: 'by hand' },
    });
    expect((await engine.sessions.findById('s'))!.phase).toBe('reverted');
  });

  test('in batches from the last row back; outcomes recorded batch by batch, counters sum to the rows written', async () => {
    const rows = many(2 * BATCH_SIZE + 7);
    const { revert, target, reverts, store } = await confirmed(rows);
    const { session } = await revert.revert(target, CALLER, 's');
    expect(target.revertBatches).toEqual([BATCH_SIZE, BATCH_SIZE, 7]);
    expect(reverts.appended).toBe(3);
    // The first batch undone holds the last rows.
    expect(store.reverts.get('s')!.map((o) => o.rowNumber)).toEqual(rows.map((r) => r.rowNumber));
    expect(session.reverts.deleted).toBe(rows.length);
    expect(store.entities.size).toBe(0);
  });

  test('a second undo replays: nothing is done again', async () => {
    const { revert, target, store } = await confirmed(many(3));
    await revert.revert(target, CALLER, 's');
    store.entities.set('id-2', { name: 'n0' }); // were it run again, this would be deleted
    const again = await revert.revert(target, CALLER, 's');
    expect(again.replayed).toBe(true);
    expect(target.revertBatches).toEqual([3]);
    expect(store.entities.has('id-2')).toBe(true);
  });

  test('parallel undos: one runs, the other is 409 import_in_progress', async () => {
    const { revert, target, store } = await confirmed(many(BATCH_SIZE + 1));
    const results = await Promise.allSettled([
      revert.revert(target, CALLER, 's'),
      revert.revert(target, CALLER, 's'),
    ]);
    const outcomes = results.map((r) =>
      r.status === 'fulfilled'
        ? r.value.replayed
          ? 'replayed'
          : 'ran'
        : (r.reason as { code: string }).code,
    );
    expect(outcomes.filter((o) => o === 'ran')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'ran')[0]).toMatch(/import_in_progress|replayed/);
    expect(store.reverts.get('s')).toHaveLength(BATCH_SIZE + 1);
    expect(target.revertBatches).toEqual([BATCH_SIZE, 1]);
  });

  test('a lost lease stops it between batches (503); the job loop resumes the rows left, each once', async () => {
    const rows = many(2 * BATCH_SIZE + 5);
    const engine = await confirmed(rows);
    const { revert, target, leaseStore, store, jobs } = engine;
    const lock = leaseStore.lock.bind(leaseStore);
    let locks = 0;
    leaseStore.lock = async (id, owner) =>
      ++locks === 2 ? { held: false, cancelRequested: false } : lock(id, owner);
    await expect(revert.revert(target, CALLER, 's')).rejects.toMatchObject({ status: 503 });
    // The first batch, committed: the last rows.
    expect(store.reverts.get('s')!.map((o) => o.rowNumber)).toEqual(
      rows.slice(-BATCH_SIZE).map((r) => r.rowNumber),
    );
    expect((await engine.sessions.findById('s'))!.phase).toBe('reverting');

    await jobs.tick();
    await jobsSettled(jobs);
    const done = (await engine.sessions.findById('s'))!;
    expect(done.phase).toBe('reverted');
    expect(done.reverts.deleted).toBe(rows.length);
    expect(store.reverts.get('s')!.map((o) => o.rowNumber)).toEqual(rows.map((r) => r.rowNumber));
    expect(target.revertBatches).toEqual([BATCH_SIZE, BATCH_SIZE, 5]);
  });

  test('a record that cannot be reverted is kept (revert_failed) alone; the others are reverted', async () => {
    const { revert, target, store } = await confirmed(
      [row(2, 'valid', { name: 'a' }), row(3, 'warning', { name: 'b' }, 'e1')],
      { e1: 'old' },
    );
    target.revertFails.add('e1');
    const { session } = await revert.revert(target, CALLER, 's');
    expect(session.reverts).toEqual({ deleted: 1, restored: 0, kept: 1 });
    expect(store.reverts.get('s')).toEqual([
      { rowNumber: 2, id: 'id-2', status: 'deleted' },
      {
        rowNumber: 3,
        id: 'e1',
        status: 'kept',
        reason: 'revert_failed',
        error: 'cannot revert e1',
      },
    ]);
    expect(Object.fromEntries(store.entities)).toEqual({ e1: { name: 'b' } });
  });

  test('accept: answers reverting at once and runs in the background', async () => {
    const { revert, target, jobs, sessions } = await confirmed(many(BATCH_SIZE + 3));
    const { session, replayed } = await revert.accept(target, CALLER, 's');
    expect([session.phase, replayed]).toEqual(['reverting', false]);
    await jobsSettled(jobs);
    expect((await sessions.findById('s'))!.phase).toBe('reverted');
    expect((await revert.accept(target, CALLER, 's')).replayed).toBe(true);
  });

  test('another user of the business: 403, nothing done; an undo cannot be cancelled', async () => {
    const engine = await confirmed(many(2));
    const { revert, target, store, queries, sessions, leases, jobs } = engine;
    await expect(
      revert.revert(target, { sub: 'other', businessUid: 'b' }, 's'),
    ).rejects.toMatchObject({ status: 403 });
    expect(store.reverts.get('s')).toBeUndefined();
    await revert.accept(target, CALLER, 's');
    const cancel = new CancelImport(queries, sessions, leases, jobs);
    await expect(cancel.cancel('clients', CALLER, 's')).rejects.toMatchObject({
      status: 409,
      code: 'import_finished',
    });
    await jobsSettled(jobs);
    expect((await sessions.findById('s'))!.phase).toBe('reverted');
  });
});
