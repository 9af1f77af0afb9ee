import { describe, expect, test } from '@jest/globals';
import {
  changedFields,
  type FieldValues,
  type ImportChange,
  type LockedRecord,
  planRevert,
} from './import-change.js';

const created = (rowNumber: number, entityId: string, written: FieldValues): ImportChange => ({
  rowNumber,
  entityId,
  kind: 'created',
  written,
});
const updated = (
  rowNumber: number,
  entityId: string,
  before: FieldValues,
  written: FieldValues,
): ImportChange => ({ rowNumber, entityId, kind: 'updated', before, written });
const records = (entries: Record<string, FieldValues | [FieldValues, 'referenced']>) =>
  new Map<string, LockedRecord>(
    Object.entries(entries).map(([id, v]) =>
      Array.isArray(v)
        ? [id, { values: v[0], referenced: true }]
        : [id, { values: v, referenced: false }],
    ),
  );

describe('what an update changed', () => {
  test('only the fields whose value it changed, with their values before and written', () => {
    expect(
      changedFields(
        { first_name: 'Ada', phone: '+391', notes: null },
        { first_name: 'Ada', phone: '+392', notes: 'new' },
      ),
    ).toEqual({
      before: { phone: '+391', notes: null },
      written: { phone: '+392', notes: 'new' },
    });
  });
});

describe('undo of a created record', () => {
  const change = created(2, 'a', { name: 'Ada', city: 'Roma' });

  test('unchanged since the import and referenced by nothing: deleted', () => {
    expect(planRevert([change], records({ a: { name: 'Ada', city: 'Roma' } }))).toEqual({
      outcomes: [{ rowNumber: 2, id: 'a', status: 'deleted' }],
      actions: [{ kind: 'delete', id: 'a' }],
    });
  });

  test('changed since: kept, modified_since with before null, imported and current', () => {
    expect(planRevert([change], records({ a: { name: 'Ada', city: 'Milano' } }))).toEqual({
      outcomes: [
        {
          rowNumber: 2,
          id: 'a',
          status: 'kept',
          reason: 'modified_since',
          fields: { city: { before: null, imported: 'Roma', current: 'Milano' } },
        },
      ],
      actions: [],
    });
  });

  test('something refers to it: kept, referenced', () => {
    expect(
      planRevert([change], records({ a: [{ name: 'Ada', city: 'Roma' }, 'referenced'] })),
    ).toEqual({
      outcomes: [{ rowNumber: 2, id: 'a', status: 'kept', reason: 'referenced' }],
      actions: [],
    });
  });

  test('deleted since: reported deleted (deleted_since), nothing to do', () => {
    expect(planRevert([change], records({}))).toEqual({
      outcomes: [{ rowNumber: 2, id: 'a', status: 'deleted', reason: 'deleted_since' }],
      actions: [],
    });
  });
});

describe('undo of an updated record', () => {
  const change = updated(3, 'e', { phone: '+391', notes: null }, { phone: '+392', notes: 'x' });

  test('every changed field still holds the imported value: restored, field by field', () => {
    expect(
      planRevert([change], records({ e: { name: 'Eva', phone: '+392', notes: 'x' } })),
    ).toEqual({
      outcomes: [{ rowNumber: 3, id: 'e', status: 'restored' }],
      actions: [{ kind: 'restore', id: 'e', fields: { phone: '+391', notes: null } }],
    });
  });

  test('a field changed since is left as it is and reported; the others are restored', () => {
    expect(
      planRevert([change], records({ e: { name: 'Eva', phone: '+393', notes: 'x' } })),
    ).toEqual({
      outcomes: [
        {
          rowNumber: 3,
          id: 'e',
          status: 'kept',
          reason: 'modified_since',
          fields: { phone: { before: '+391', imported: '+392', current: '+393' } },
        },
      ],
      actions: [{ kind: 'restore', id: 'e', fields: { notes: null } }],
    });
  });

  test('fields the import did not change are never written', () => {
    const plan = planRevert(
      [updated(3, 'e', { phone: '+391' }, { phone: '+392' })],
      records({ e: { name: 'Changed by hand', phone: '+392' } }),
    );
    expect(plan.actions).toEqual([{ kind: 'restore', id: 'e', fields: { phone: '+391' } }]);
  });
});

describe('a record written by several rows is undone from the last row back', () => {
  test('created by one row, updated by a later one: restored, then deleted', () => {
    const plan = planRevert(
      [updated(5, 'x', { name: 'one' }, { name: 'two' }), created(2, 'x', { name: 'one' })],
      records({ x: { name: 'two' } }),
    );
    expect(plan).toEqual({
      outcomes: [
        { rowNumber: 2, id: 'x', status: 'deleted' },
        { rowNumber: 5, id: 'x', status: 'restored' },
      ],
      actions: [{ kind: 'delete', id: 'x' }],
    });
  });

  test('updated twice: the value of before the first update comes back', () => {
    const plan = planRevert(
      [
        updated(7, 'y', { notes: 'first' }, { notes: 'second' }),
        updated(4, 'y', { notes: 'orig' }, { notes: 'first' }),
      ],
      records({ y: { notes: 'second' } }),
    );
    expect(plan.outcomes.map((o) => o.status)).toEqual(['restored', 'restored']);
    expect(plan.actions).toEqual([{ kind: 'restore', id: 'y', fields: { notes: 'orig' } }]);
  });

  test('changed by hand after the second update: both rows report it, the record is kept', () => {
    const plan = planRevert(
      [updated(5, 'x', { name: 'one' }, { name: 'two' }), created(2, 'x', { name: 'one' })],
      records({ x: { name: 'hand' } }),
    );
    expect(plan.outcomes).toEqual([
      {
        rowNumber: 2,
        id: 'x',
        status: 'kept',
        reason: 'modified_since',
        fields: { name: { before: null, imported: 'one', current: 'hand' } },
      },
      {
        rowNumber: 5,
        id: 'x',
        status: 'kept',
        reason: 'modified_since',
        fields: { name: { before: 'one', imported: 'two', current: 'hand' } },
      },
    ]);
    expect(plan.actions).toEqual([]);
  });
});

test('outcomes come back in row order, one per row', () => {
  const plan = planRevert(
    [created(9, 'c', { n: 'c' }), created(4, 'b', { n: 'b' }), created(2, 'a', { n: 'a' })],
    records({ a: { n: 'a' }, b: { n: 'B' }, c: { n: 'c' } }),
  );
  expect(plan.outcomes.map((o) => [o.rowNumber, o.status])).toEqual([
    [2, 'deleted'],
    [4, 'kept'],
    [9, 'deleted'],
  ]);
});
