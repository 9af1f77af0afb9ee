import { describe, expect, test } from '@jest/globals';
import { ConflictError, ForbiddenError, InvalidError } from '../../shared/domain-error.js';
import { type ImportRow, type RowIssue, type RowOutcome, statusOf } from './import-row.js';
import { ImportSession, LeaseLostError, type Resolutions, type RowPlan } from './import-session.js';

const NOW = new Date('2026-01-01T10:00:00Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);
const LEASE = 30_000;

function session(entityType: 'customers' | 'clients' = 'clients'): ImportSession {
  return ImportSession.start({
    id: 's-1',
    businessUid: 'biz-1',
    createdBy: 'user-1',
    entityType,
    channel: 'csv',
    options: {},
    now: NOW,
    ttlSeconds: 1800,
  });
}

function validated(
  rows: Array<{ status: ImportRow['status'] }>,
  entityType?: 'customers' | 'clients',
) {
  const s = session(entityType);
  s.addRows(rows);
  s.markValidated(NOW, 1800);
  return s;
}

const ambiguousIssue: RowIssue = {
  field: 'company_name',
  message: 'ambiguous',
  values: ['Gamma'],
  candidates: [
    { logto_id: 'c-1', name: 'Gamma', type: 'customer' },
    { logto_id: 'c-2', name: 'gamma', type: 'customer' },
  ],
};
const existsWarning: RowIssue = { field: 'email', message: 'already_exists', values: ['a@b.c'] };
const fieldError: RowIssue = { field: 'email', message: 'invalid_email', values: ['x'] };

describe('row status precedence: error > ambiguous > warning > valid', () => {
  test.each<[string, RowIssue[], RowIssue[], ImportRow['status']]>([
    ['no issues', [], [], 'valid'],
    ['a warning', [], [existsWarning], 'warning'],
    ['an ambiguity', [ambiguousIssue], [], 'ambiguous'],
    ['an ambiguity and a warning', [ambiguousIssue], [existsWarning], 'ambiguous'],
    ['an error', [fieldError], [], 'error'],
    ['an error and a warning', [fieldError], [existsWarning], 'error'],
    ['an error and an ambiguity', [ambiguousIssue, fieldError], [], 'error'],
    ['all three', [fieldError, ambiguousIssue], [existsWarning], 'error'],
  ])('%s → %s', (_, errors, warnings, expected) => {
    expect(statusOf(errors, warnings)).toBe(expected);
  });
});

describe('the confirm plan: every status × override × resolution', () => {
  type Case = {
    status: ImportRow['status'];
    warning: boolean;
    override: boolean;
    resolved: boolean;
    plan: RowPlan;
  };
  const cases: Case[] = [];
  for (const override of [false, true]) {
    for (const resolved of [false, true]) {
      cases.push({ status: 'valid', warning: false, override, resolved, plan: { kind: 'create' } });
      cases.push({
        status: 'error',
        warning: false,
        override,
        resolved,
        plan: { kind: 'skip', reason: 'error' },
      });
      cases.push({
        status: 'warning',
        warning: true,
        override,
        resolved,
        plan: override
          ? { kind: 'update', targetId: 'existing-1' }
          : { kind: 'skip', reason: 'warning_not_overridden' },
      });
      cases.push({
        status: 'ambiguous',
        warning: false,
        override,
        resolved,
        plan: resolved
          ? { kind: 'create', organizationId: 'c-2' }
          : { kind: 'skip', reason: 'ambiguous_unresolved' },
      });
      cases.push({
        status: 'ambiguous',
        warning: true,
        override,
        resolved,
        plan: !resolved
          ? { kind: 'skip', reason: 'ambiguous_unresolved' }
          : override
            ? { kind: 'update', targetId: 'existing-1', organizationId: 'c-2' }
            : { kind: 'skip', reason: 'warning_not_overridden' },
      });
    }
  }

  test.each(cases)(
    '$status (warning: $warning), override $override, resolved $resolved → $plan.kind',
    ({ status, warning, override, resolved, plan }) => {
      const s = validated([{ status }]);
      const resolutions: Resolutions = resolved ? { '7': { organization_id: 'c-2' } } : {};
      s.beginConfirm({ owner: 'o', now: NOW, leaseMs: LEASE, override, resolutions });
      const row = {
        rowNumber: 7,
        status,
        warnings: warning ? [existsWarning] : [],
        existingId: warning ? 'existing-1' : undefined,
      };
      expect(s.planFor(row)).toEqual(plan);
    },
  );

  test('a `multi` duplicate updates the entity of the row it repeats', () => {
    const s = validated([{ status: 'valid' }, { status: 'warning' }]);
    s.beginConfirm({ owner: 'o', now: NOW, leaseMs: LEASE, override: true, resolutions: {} });
    const dup = {
      rowNumber: 3,
      status: 'warning' as const,
      warnings: [existsWarning],
      duplicateOf: 2,
    };
    expect(s.planFor(dup)).toEqual({ kind: 'update', targetRow: 2, organizationId: undefined });
  });
});

describe('resolutions must name ambiguous rows and their candidates', () => {
  const rows = new Map<number, ImportRow<unknown>>([
    [
      7,
      {
        rowNumber: 7,
        status: 'ambiguous',
        data: {},
        errors: [ambiguousIssue],
        warnings: [],
        payload: {},
      },
    ],
    [8, { rowNumber: 8, status: 'valid', data: {}, errors: [], warnings: [], payload: {} }],
  ]);

  test('a resolution naming a candidate passes', () => {
    expect(ImportSession.checkResolutions({ '7': { organization_id: 'c-1' } }, rows)).toEqual([]);
  });

  test('every bad key is listed', () => {
    const errors = ImportSession.checkResolutions(
      {
        '7': { organization_id: 'not-a-candidate' },
        '8': { organization_id: 'c-1' },
        '99': { organization_id: 'c-1' },
        abc: { organization_id: 'c-1' },
        __proto__: { organization_id: 'c-1' },
      } as Resolutions,
      rows,
    );
    expect(errors).toEqual([
      {
        key: 'resolutions.7.organization_id',
        message: 'not_a_candidate',
        value: 'not-a-candidate',
      },
      { key: 'resolutions.8.organization_id', message: 'row_not_ambiguous', value: 'c-1' },
      { key: 'resolutions.99.organization_id', message: 'row_not_found', value: 'c-1' },
      { key: 'resolutions.abc.organization_id', message: 'row_not_found', value: 'c-1' },
    ]);
  });

  test('a "__proto__" key is an own key like any other and is rejected', () => {
    const raw = JSON.parse('{"__proto__": {"organization_id": "c-1"}}') as Resolutions;
    expect(ImportSession.checkResolutions(raw, rows)).toEqual([
      { key: 'resolutions.__proto__.organization_id', message: 'row_not_found', value: 'c-1' },
    ]);
  });
});

describe('who may confirm', () => {
  const caller = { sub: 'user-1', businessUid: 'biz-1' };
  const s = validated([{ status: 'valid' }], 'customers');

  test('the creator, of the same business and entity type, before expiry', () => {
    expect(() => s.assertConfirmableBy(caller, 'customers', NOW)).not.toThrow();
  });
  test('another business: not found or expired (400)', () => {
    expect(() =>
      s.assertConfirmableBy({ ...caller, businessUid: 'biz-2' }, 'customers', NOW),
    ).toThrow(
      expect.objectContaining({
        status: 400,
        errors: [expect.objectContaining({ message: 'not_found_or_expired' })],
      }),
    );
  });
  test('another entity type: entity_type_mismatch (400)', () => {
    expect(() => s.assertConfirmableBy(caller, 'clients', NOW)).toThrow(
      expect.objectContaining({
        errors: [expect.objectContaining({ message: 'entity_type_mismatch' })],
      }),
    );
  });
  test('another user of the same business: 403', () => {
    expect(() => s.assertConfirmableBy({ ...caller, sub: 'user-2' }, 'customers', NOW)).toThrow(
      ForbiddenError,
    );
  });
  test('after the TTL: not found or expired', () => {
    expect(s.isExpired(later(1800_000))).toBe(true);
    expect(s.displayStatus(later(1800_000))).toBe('expired');
    expect(() => s.assertConfirmableBy(caller, 'customers', later(1800_000))).toThrow(InvalidError);
  });
});

describe('life cycle: validated → confirming → completed, never back', () => {
  test('start, then a concurrent confirm is a 409 while the lease lives', () => {
    const s = validated([{ status: 'valid' }]);
    expect(
      s.beginConfirm({ owner: 'a', now: NOW, leaseMs: LEASE, override: false, resolutions: {} }),
    ).toBe('start');
    expect(s.status).toBe('confirming');
    expect(() =>
      s.beginConfirm({
        owner: 'b',
        now: later(1000),
        leaseMs: LEASE,
        override: false,
        resolutions: {},
      }),
    ).toThrow(expect.objectContaining({ code: 'import_in_progress', status: 409 }));
  });

  test("a lapsed lease is taken over (resume) and keeps the first confirm's plan", () => {
    const s = validated([{ status: 'warning' }]);
    s.beginConfirm({ owner: 'a', now: NOW, leaseMs: LEASE, override: true, resolutions: {} });
    expect(s.canBeResumed(later(LEASE + 1))).toBe(true);
    expect(
      s.beginConfirm({
        owner: 'b',
        now: later(LEASE + 1),
        leaseMs: LEASE,
        override: false,
        resolutions: {},
      }),
    ).toBe('resume');
    expect(s.ownsLease('b')).toBe(true);
    expect(s.snapshot.override).toBe(true);
    expect(() => s.recordOutcomes('a', [], later(LEASE + 2), LEASE)).toThrow(LeaseLostError);
  });

  test('completed replays; counters sum to the total; no way back', () => {
    const s = validated([{ status: 'valid' }, { status: 'error' }, { status: 'warning' }]);
    s.beginConfirm({ owner: 'a', now: NOW, leaseMs: LEASE, override: false, resolutions: {} });
    const outcomes: RowOutcome[] = [
      { rowNumber: 2, status: 'created', id: 'x' },
      { rowNumber: 3, status: 'skipped', reason: 'error' },
    ];
    s.recordOutcomes('a', outcomes, NOW, LEASE);
    expect(() => s.complete('a', NOW)).toThrow(/2 outcomes for 3 rows/);
    s.recordOutcomes(
      'a',
      [{ rowNumber: 4, status: 'skipped', reason: 'warning_not_overridden' }],
      NOW,
      LEASE,
    );
    s.complete('a', NOW);
    expect(s.status).toBe('completed');
    expect(s.snapshot.outcomes).toEqual({ created: 1, updated: 0, skipped: 2, failed: 0 });
    expect(
      s.beginConfirm({ owner: 'b', now: NOW, leaseMs: LEASE, override: true, resolutions: {} }),
    ).toBe('replay');
    expect(() => s.addRows([{ status: 'valid' }])).toThrow();
    expect(() => s.markValidated(NOW, 10)).toThrow();
    expect(() => s.recordOutcomes('a', [], NOW, LEASE)).toThrow();
  });

  test('outcomes can never exceed the total', () => {
    const s = validated([{ status: 'valid' }]);
    s.beginConfirm({ owner: 'a', now: NOW, leaseMs: LEASE, override: false, resolutions: {} });
    expect(() =>
      s.recordOutcomes(
        'a',
        [
          { rowNumber: 2, status: 'created', id: 'x' },
          { rowNumber: 3, status: 'created', id: 'y' },
        ],
        NOW,
        LEASE,
      ),
    ).toThrow(/exceed/);
  });

  test('an expired validated session cannot be confirmed; a session still gathering rows is not ready', () => {
    const s = validated([{ status: 'valid' }]);
    expect(() =>
      s.beginConfirm({
        owner: 'a',
        now: later(1800_000),
        leaseMs: LEASE,
        override: false,
        resolutions: {},
      }),
    ).toThrow(InvalidError);
    const gathering = session();
    expect(() =>
      gathering.beginConfirm({
        owner: 'a',
        now: NOW,
        leaseMs: LEASE,
        override: false,
        resolutions: {},
      }),
    ).toThrow(ConflictError);
  });

  test('counts tally every status', () => {
    const s = validated([
      { status: 'valid' },
      { status: 'valid' },
      { status: 'warning' },
      { status: 'error' },
      { status: 'ambiguous' },
    ]);
    expect(s.snapshot.counts).toEqual({ total: 5, valid: 2, warning: 1, error: 1, ambiguous: 1 });
  });

  test('restore rebuilds an equal, independent session', () => {
    const s = validated([{ status: 'valid' }]);
    const copy = ImportSession.restore(s.snapshot);
    expect(copy.snapshot).toEqual(s.snapshot);
    copy.beginConfirm({ owner: 'a', now: NOW, leaseMs: LEASE, override: false, resolutions: {} });
    expect(s.status).toBe('validated');
  });
});
