import { describe, expect, test } from '@jest/globals';
import type { ImportContext, RowAction } from '../domain/import-target.js';
import { fakeRow, type Payload, validatedEngine } from './fakes.spec-helper.js';
import { BATCH_SIZE } from './validate-import.js';

const row = fakeRow;
const setUp = validatedEngine;

describe('ConfirmImport', () => {
  test('a batch that fails is replayed row by row: the bad row fails alone, the others are written', async () => {
    const { store, target, confirm } = await setUp([
      row(2, 'valid', { name: 'a' }),
      row(3, 'valid', { name: 'b', bad: true }),
      row(4, 'valid', { name: 'c' }),
    ]);
    const { session } = await confirm.confirm(
      target,
      { sub: 'u', businessUid: 'b' },
      { importId: 's', override: false, resolutions: {} },
    );
    expect(session.phase).toBe('completed');
    expect(session.snapshot.outcomes).toEqual({ created: 2, updated: 0, skipped: 0, failed: 1 });
    expect(target.batches).toEqual([3, 1, 1, 1]); // the batch, then each row
    expect([...store.entities.keys()].sort()).toEqual(['id-2', 'id-4']);
    expect(store.rows.get('s')!.map((r) => r.outcome)).toEqual([
      { rowNumber: 2, status: 'created', id: 'id-2' },
      { rowNumber: 3, status: 'failed', error: 'constraint violated' },
      { rowNumber: 4, status: 'created', id: 'id-4' },
    ]);
  });

  test('a `multi` duplicate updates the entity its earlier row created, in the same batch', async () => {
    const { store, target, confirm } = await setUp([
      row(2, 'valid', { name: 'first' }),
      row(3, 'warning', { name: 'second' }, { duplicateOf: 2 }),
    ]);
    const { session } = await confirm.confirm(
      target,
      { sub: 'u', businessUid: 'b' },
      { importId: 's', override: true, resolutions: {} },
    );
    expect(session.snapshot.outcomes).toMatchObject({ created: 1, updated: 1 });
    expect(store.entities.get('id-2')).toEqual({ name: 'second' });
  });

  test('a duplicate of a row that was not imported fails with a readable error', async () => {
    const { target, confirm, store } = await setUp([
      row(2, 'valid', { name: 'x', bad: true }),
      row(3, 'warning', { name: 'y' }, { duplicateOf: 2 }),
    ]);
    await confirm.confirm(
      target,
      { sub: 'u', businessUid: 'b' },
      { importId: 's', override: true, resolutions: {} },
    );
    expect(store.rows.get('s')![1].outcome).toEqual({
      rowNumber: 3,
      status: 'failed',
      error: 'row 2, which this row repeats, was not imported',
    });
  });

  test('resolutions naming bad rows: 400 listing every key, nothing executed', async () => {
    const { target, confirm, sessions, store } = await setUp([row(2, 'valid', { name: 'a' })]);
    await expect(
      confirm.confirm(
        target,
        { sub: 'u', businessUid: 'b' },
        {
          importId: 's',
          override: false,
          resolutions: { '2': 'o', '9': 'o' },
        },
      ),
    ).rejects.toMatchObject({
      status: 400,
      errors: [
        { key: 'resolutions.2.organization_id', message: 'row_not_ambiguous', value: 'o' },
        { key: 'resolutions.9.organization_id', message: 'row_not_found', value: 'o' },
      ],
    });
    expect(target.batches).toEqual([]);
    expect(sessions.writes).toBe(0);
    expect(store.sessions.get('s')!.phase).toBe('validated');
  });

  test('a second confirm replays; rows are executed in batches of BATCH_SIZE', async () => {
    const rows = Array.from({ length: 2 * BATCH_SIZE + 500 }, (_, i) =>
      row(i + 2, 'valid', { name: `n${i}` }),
    );
    const { target, confirm } = await setUp(rows);
    const first = await confirm.confirm(
      target,
      { sub: 'u', businessUid: 'b' },
      { importId: 's', override: false, resolutions: {} },
    );
    expect(first.replayed).toBe(false);
    expect(target.batches).toEqual([BATCH_SIZE, BATCH_SIZE, 500]);
    const second = await confirm.confirm(
      target,
      { sub: 'u', businessUid: 'b' },
      { importId: 's', override: false, resolutions: {} },
    );
    expect(second.replayed).toBe(true);
    expect(target.batches).toEqual([BATCH_SIZE, BATCH_SIZE, 500]);
  });

  test('overlapping batches record their outcomes in row order, even when an earlier commit is slow', async () => {
    const rows = Array.from({ length: 2 * BATCH_SIZE + 10 }, (_, i) =>
      row(i + 2, 'valid', { name: `n${i}` }),
    );
    const { outcomes: log, target, confirm } = await setUp(rows);
    const recorded: number[] = [];
    const events: string[] = [];
    const record = log.append.bind(log);
    log.append = async (s, outcomes) => {
      // The first batch takes its time to record: the second batch's writes go on meanwhile.
      if (recorded.length === 0) await new Promise((r) => setTimeout(r, 50));
      recorded.push(outcomes[0].rowNumber);
      events.push(`recorded ${outcomes[0].rowNumber}`);
      await record(s, outcomes);
    };
    const write = target.write.bind(target);
    target.write = async (actions: RowAction<Payload>[], context?: ImportContext) => {
      events.push(`write ${actions[0].rowNumber}`);
      return write(actions, context);
    };
    const seen: number[] = [];
    const { session } = await confirm.confirm(
      target,
      { sub: 'u', businessUid: 'b' },
      { importId: 's', override: false, resolutions: {} },
      async (outcomes) => {
        seen.push(...outcomes.map((o) => o.rowNumber));
      },
    );
    expect(session.phase).toBe('completed');
    expect(recorded).toEqual([2, 2 + BATCH_SIZE, 2 + 2 * BATCH_SIZE]);
    expect(seen).toEqual(rows.map((r) => r.rowNumber));
    // The second batch was written while the first one was recording its outcomes.
    expect(events.indexOf(`write ${2 + BATCH_SIZE}`)).toBeGreaterThan(-1);
    expect(events.indexOf(`write ${2 + BATCH_SIZE}`)).toBeLessThan(events.indexOf('recorded 2'));
  });

  test('a lease lost at a later batch stops the confirm: nothing more is recorded', async () => {
    const rows = Array.from({ length: 2 * BATCH_SIZE + 10 }, (_, i) =>
      row(i + 2, 'valid', { name: `n${i}` }),
    );
    const { leaseStore, outcomes, target, confirm } = await setUp(rows);
    let locks = 0;
    const lock = leaseStore.lock.bind(leaseStore);
    leaseStore.lock = async (id, owner) =>
      ++locks < 2 ? lock(id, owner) : { held: false, cancelRequested: false };
    await expect(
      confirm.confirm(
        target,
        { sub: 'u', businessUid: 'b' },
        { importId: 's', override: false, resolutions: {} },
      ),
    ).rejects.toMatchObject({ status: 503 });
    expect(outcomes.appended).toBe(1);
  });

  test('a failed read of the next batch: the batch in flight settles before confirm answers', async () => {
    const rows = Array.from({ length: BATCH_SIZE + 10 }, (_, i) =>
      row(i + 2, 'valid', { name: `n${i}` }),
    );
    const { rows: store, outcomes: log, target, confirm } = await setUp(rows);
    const read = store.pendingRows.bind(store);
    store.pendingRows = async (id, after, limit) => {
      if (after > 0) throw new Error('connection lost');
      return read(id, after, limit);
    };
    const record = log.append.bind(log);
    log.append = async (s, outcomes) => {
      await new Promise((r) => setTimeout(r, 30)); // a slow commit
      await record(s, outcomes);
    };
    await expect(
      confirm.confirm(
        target,
        { sub: 'u', businessUid: 'b' },
        { importId: 's', override: false, resolutions: {} },
      ),
    ).rejects.toThrow('connection lost');
    expect(log.appended).toBe(1); // recorded before the error was answered
  });
});
