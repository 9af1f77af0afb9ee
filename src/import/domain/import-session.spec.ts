import { describe, expect, test } from '@jest/globals';
import { ConflictError, ForbiddenError, InvalidError } from '../../shared/domain-error.js';
import {
  type Ambiguity,
  type ImportRow,
  type RowIssue,
  type RowOutcome,
  statusOf,
} from './import-row.js';
import { ImportSession, type Resolutions, type RowPlan } from './import-session.js';

const NOW = new Date('2026-01-01T10:00:00Z');
const later = (ms: number) => new Date(NOW.getTime() + ms);

function session(entityType: 'customers' | 'clients' = 'clients'): ImportSession {
  return ImportSession.start({
    id: 's-1',
    businessUid: 'biz-1',
    createdBy: 'user-1',
    entityType,
    channel: { kind: 'csv', format: 'csv' },
    now: NOW,
    ttlSeconds: 1800,
  });
}

function validated(
  rows: Array<{ status: ImportRow['status'] }>,
  entityType?: 'customers' | 'clients',
) {
  const s = session(entityType);
  s.addRows(rows, NOW);
  s.markValidated(NOW, 1800);
  return s;
}

const ambiguity: Ambiguity = {
  field: 'company_name',
  values: ['Gamma'],
  candidates: [
    { id: 'c-1', name: 'Gamma', kind: 'customer' },
    { id: 'c-2', name: 'gamma', kind: 'customer' },
  ],
};
const existsWarning: RowIssue = { field: 'email', message: 'already_exists', values: ['a@b.c'] };
const fieldError: RowIssue = { field: 'email', message: 'invalid_email', values: ['x'] };

describe('row status precedence: error > ambiguous > warning > valid', () => {
  test.each<[string, RowIssue[], Ambiguity[], RowIssue[], ImportRow['status']]>([
    ['no issues', [], [], [], 'valid'],
    ['a warning', [], [], [existsWarning], 'warning'],
    ['an ambiguity', [], [ambiguity], [], 'ambiguous'],
    ['an ambiguity and a warning', [], [ambiguity], [existsWarning], 'ambiguous'],
    ['an error', [fieldError], [], [], 'error'],
    ['an error and a warning', [fieldError], [], [existsWarning], 'error'],
    ['an error and an ambiguity', [fieldError], [ambiguity], [], 'error'],
    ['all three', [fieldError], [ambiguity], [existsWarning], 'error'],
  ])('%s → %s', (_, errors, ambiguities, warnings, expected) => {
    expect(statusOf({ errors, ambiguities, warnings })).toBe(expected);
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
          ? { kind: 'create', resolved: 'c-2' }
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
            ? { kind: 'update', targetId: 'existing-1', resolved: 'c-2' }
            : { kind: 'skip', reason: 'warning_not_overridden' },
      });
    }
  }

  test.each(cases)(
    '$status (warning: $warning), override $override, resolved $resolved → $plan.kind',
    ({ status, warning, override, resolved, plan }) => {
      const s = validated([{ status }]);
      const resolutions: Resolutions = resolved ? { '7': 'c-2' } : {};
      s.beginConfirm({ now: NOW, override, resolutions });
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
    s.beginConfirm({ now: NOW, override: true, resolutions: {} });
    const dup = {
      rowNumber: 3,
      status: 'warning' as const,
      warnings: [existsWarning],
      duplicateOf: 2,
    };
    expect(s.planFor(dup)).toEqual({ kind: 'update', targetRow: 2, resolved: undefined });
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
        errors: [],
        warnings: [],
        ambiguities: [ambiguity],
        payload: {},
      },
    ],
    [
      8,
      {
        rowNumber: 8,
        status: 'valid',
        data: {},
        errors: [],
        warnings: [],
        ambiguities: [],
        payload: {},
      },
    ],
  ]);

  test('a resolution naming a candidate passes', () => {
    expect(ImportSession.checkResolutions({ '7': 'c-1' }, rows, 'organization_id')).toEqual([]);
  });

  test('every bad key is listed', () => {
    const errors = ImportSession.checkResolutions(
      {
        '7': 'not-a-candidate',
        '8': 'c-1',
        '99': 'c-1',
        abc: 'c-1',
        __proto__: 'c-1',
      } as Resolutions,
      rows,
      'organization_id',
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
    const raw = JSON.parse('{"__proto__": "c-1"}') as Resolutions;
    expect(ImportSession.checkResolutions(raw, rows, 'organization_id')).toEqual([
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
    expect(s.displayPhase(later(1800_000))).toBe('expired');
    expect(() => s.assertConfirmableBy(caller, 'customers', later(1800_000))).toThrow(InvalidError);
  });
});

describe('life cycle: validated → confirming → completed, never back', () => {
  test("start, then a resumed confirm keeps the first confirm's plan", () => {
    const s = validated([{ status: 'warning' }]);
    expect(s.beginConfirm({ now: NOW, override: true, resolutions: {} })).toBe('start');
    expect(s.phase).toBe('confirming');
    expect(s.beginConfirm({ now: later(1000), override: false, resolutions: {} })).toBe('resume');
    expect(s.snapshot.override).toBe(true);
  });

  test('completed replays; counters sum to the total; no way back', () => {
    const s = validated([{ status: 'valid' }, { status: 'error' }, { status: 'warning' }]);
    s.beginConfirm({ now: NOW, override: false, resolutions: {} });
    const outcomes: RowOutcome[] = [
      { rowNumber: 2, status: 'created', id: 'x' },
      { rowNumber: 3, status: 'skipped', reason: 'error' },
    ];
    s.recordOutcomes(outcomes, NOW);
    expect(() => s.complete(NOW)).toThrow(/2 outcomes for 3 rows/);
    s.recordOutcomes([{ rowNumber: 4, status: 'skipped', reason: 'warning_not_overridden' }], NOW);
    s.complete(NOW);
    expect(s.phase).toBe('completed');
    expect(s.snapshot.outcomes).toEqual({ created: 1, updated: 0, skipped: 2, failed: 0 });
    expect(s.beginConfirm({ now: NOW, override: true, resolutions: {} })).toBe('replay');
    expect(() => s.addRows([{ status: 'valid' }], NOW)).toThrow();
    expect(() => s.markValidated(NOW, 10)).toThrow();
    expect(() => s.recordOutcomes([], NOW)).toThrow();
  });

  test('outcomes can never exceed the total', () => {
    const s = validated([{ status: 'valid' }]);
    s.beginConfirm({ now: NOW, override: false, resolutions: {} });
    expect(() =>
      s.recordOutcomes(
        [
          { rowNumber: 2, status: 'created', id: 'x' },
          { rowNumber: 3, status: 'created', id: 'y' },
        ],
        NOW,
      ),
    ).toThrow(/exceed/);
  });

  test('an expired validated session cannot be confirmed; a session still gathering rows is not ready', () => {
    const s = validated([{ status: 'valid' }]);
    expect(() =>
      s.beginConfirm({ now: later(1800_000), override: false, resolutions: {} }),
    ).toThrow(InvalidError);
    expect(() => session().beginConfirm({ now: NOW, override: false, resolutions: {} })).toThrow(
      expect.objectContaining({ code: 'import_not_ready', status: 409 }),
    );
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

  test('restore rebuilds an equal, independent session; a snapshot is a read-only copy', () => {
    const s = validated([{ status: 'valid' }]);
    const copy = ImportSession.restore(s.snapshot);
    expect(copy.snapshot).toEqual(s.snapshot);
    copy.beginConfirm({ now: NOW, override: false, resolutions: {} });
    expect(s.phase).toBe('validated');
    const snapshot = s.snapshot;
    expect(() => Object.assign(snapshot, { phase: 'completed' })).toThrow(TypeError);
    expect(() => (snapshot.counts as { total: number }).total++).not.toThrow();
    expect(s.counts.total).toBe(1); // changing a copy changes nothing
  });
});

describe('phases of asynchronous work', () => {
  test('an asynchronous upload is received, then validated', () => {
    const s = ImportSession.start({
      id: 's-2',
      businessUid: 'biz-1',
      createdBy: 'user-1',
      entityType: 'customers',
      channel: { kind: 'csv', format: 'csv' },
      receiving: true,
      now: NOW,
      ttlSeconds: 1800,
    });
    expect(s.phase).toBe('receiving');
    expect(() => s.addRows([{ status: 'valid' }], NOW)).toThrow();
    s.uploadReceived(1234, later(10));
    expect(s.phase).toBe('validating');
    expect(s.snapshot).toMatchObject({ uploadStored: true, uploadBytes: 1234 });
    expect(s.snapshot.phaseStartedAt).toEqual(later(10));
  });

  test('an app import collects first', () => {
    const s = ImportSession.start({
      id: 's-3',
      businessUid: 'biz-1',
      createdBy: 'user-1',
      entityType: 'clients',
      channel: {
        kind: 'app',
        appCodeName: 'a',
        shouldOverride: false,
        sendNotificationsWhenDone: true,
      },
      now: NOW,
      ttlSeconds: 1800,
    });
    expect(s.phase).toBe('collecting');
    expect(s.percent()).toBeNull(); // an app's total is unknown until it is done
  });

  test('gathering again (a job taken over) starts the counts again', () => {
    const s = session();
    s.addRows([{ status: 'valid' }, { status: 'error' }], NOW);
    s.beginGathering(later(5));
    expect(s.counts).toEqual({ total: 0, valid: 0, warning: 0, error: 0, ambiguous: 0 });
  });
});

describe('progress: the percent of the current phase never goes back', () => {
  test('an estimate that grows keeps the percent where it was', () => {
    const s = session();
    s.addRows(Array(100).fill({ status: 'valid' }), NOW, 200); // 50 %
    expect(s.percent()).toBe(50);
    s.addRows(Array(10).fill({ status: 'valid' }), NOW, 1000); // the file turned out longer
    expect(s.percent()).toBeGreaterThanOrEqual(50);
    expect(s.snapshot.progress).toMatchObject({ done: 110, estimate: true });
  });

  test('an estimate never claims the end before it', () => {
    const s = session();
    s.addRows(Array(10).fill({ status: 'valid' }), NOW, 5);
    expect(s.percent()).toBeLessThan(100);
    s.markValidated(NOW, 60);
    expect(s.percent()).toBe(100);
    expect(s.snapshot.progress).toEqual({ done: 10, total: 10, estimate: false });
  });

  test('confirm counts its outcomes against the known total', () => {
    const s = validated([
      { status: 'valid' },
      { status: 'valid' },
      { status: 'valid' },
      { status: 'valid' },
    ]);
    s.beginConfirm({ now: NOW, override: false, resolutions: {} });
    expect(s.percent()).toBe(0);
    s.recordOutcomes([{ rowNumber: 2, status: 'created', id: 'x' }], NOW);
    expect(s.percent()).toBe(25);
    expect(s.snapshot.progress).toEqual({ done: 1, total: 4, estimate: false });
  });
});

describe('cancel', () => {
  test('a running or validated import ends cancelled; its counters stay as they were', () => {
    const s = validated([{ status: 'valid' }, { status: 'valid' }]);
    s.beginConfirm({ now: NOW, override: false, resolutions: {} });
    s.recordOutcomes([{ rowNumber: 2, status: 'created', id: 'x' }], NOW);
    s.cancel(later(5));
    expect(s.phase).toBe('cancelled');
    expect(s.snapshot.outcomes.created).toBe(1);
    expect(s.snapshot.completedAt).toEqual(later(5));
    expect(() => s.beginConfirm({ now: NOW, override: false, resolutions: {} })).toThrow(
      expect.objectContaining({ code: 'import_finished', status: 409 }),
    );
  });

  test('a finished import cannot be cancelled (409 import_finished)', () => {
    const s = validated([{ status: 'valid' }]);
    s.beginConfirm({ now: NOW, override: false, resolutions: {} });
    s.recordOutcomes([{ rowNumber: 2, status: 'created', id: 'x' }], NOW);
    s.complete(NOW);
    expect(() => s.assertCancellable(NOW)).toThrow(ConflictError);
    const expired = validated([{ status: 'valid' }]);
    expect(() => expired.assertCancellable(later(1800_000))).toThrow(
      expect.objectContaining({ code: 'import_finished' }),
    );
  });

  test('only its creator, or platform:admin, may cancel', () => {
    const s = validated([{ status: 'valid' }]);
    expect(() => s.assertOwnedBy({ sub: 'user-1', businessUid: 'biz-1' })).not.toThrow();
    expect(() => s.assertOwnedBy({ sub: 'user-2', businessUid: 'biz-1' })).toThrow(ForbiddenError);
    expect(() =>
      s.assertOwnedBy({ sub: 'admin', businessUid: 'biz-1', admin: true }),
    ).not.toThrow();
  });
});

describe('undo: who, when, and counters that sum to the rows written', () => {
  const WEEK = 604_800;
  const DAY_MS = 86_400_000;
  /** Confirmed at NOW: rows 2 and 3 created, row 4 updated, row 5 skipped. */
  function confirmed() {
    const s = validated([
      { status: 'valid' },
      { status: 'valid' },
      { status: 'warning' },
      { status: 'error' },
    ]);
    s.beginConfirm({ now: NOW, override: true, resolutions: {} });
    s.recordOutcomes(
      [
        { rowNumber: 2, status: 'created', id: 'a' },
        { rowNumber: 3, status: 'created', id: 'b' },
        { rowNumber: 4, status: 'updated', id: 'c' },
        { rowNumber: 5, status: 'skipped', reason: 'error' },
      ],
      NOW,
    );
    s.complete(NOW);
    return s;
  }
  const conflictOf = (s: ImportSession, now: Date) => {
    try {
      s.revertStart(now, WEEK);
      return 'allowed';
    } catch (error) {
      return (error as ConflictError).code;
    }
  };

  test('a completed import can be undone until undoSeconds after it completed', () => {
    const s = confirmed();
    expect(s.undoUntil(WEEK)).toEqual(later(7 * DAY_MS));
    expect(conflictOf(s, later(7 * DAY_MS - 1))).toBe('allowed');
    expect(conflictOf(s, later(7 * DAY_MS))).toBe('undo_expired');
  });

  test('a cancelled import that wrote rows can be undone, counted from when it was cancelled', () => {
    const s = validated([{ status: 'valid' }, { status: 'valid' }]);
    s.beginConfirm({ now: NOW, override: false, resolutions: {} });
    s.recordOutcomes([{ rowNumber: 2, status: 'created', id: 'a' }], NOW);
    s.cancel(later(DAY_MS));
    expect(s.undoUntil(WEEK)).toEqual(later(8 * DAY_MS));
    expect(conflictOf(s, later(2 * DAY_MS))).toBe('allowed');
  });

  test.each<[string, () => ImportSession, string]>([
    ['still validating', () => session(), 'import_in_progress'],
    [
      'being confirmed',
      () => {
        const s = validated([{ status: 'valid' }]);
        s.beginConfirm({ now: NOW, override: false, resolutions: {} });
        return s;
      },
      'import_in_progress',
    ],
    ['validated, never confirmed', () => validated([{ status: 'valid' }]), 'nothing_to_revert'],
    [
      'completed with every row skipped',
      () => {
        const s = validated([{ status: 'error' }]);
        s.beginConfirm({ now: NOW, override: false, resolutions: {} });
        s.recordOutcomes([{ rowNumber: 2, status: 'skipped', reason: 'error' }], NOW);
        s.complete(NOW);
        return s;
      },
      'nothing_to_revert',
    ],
    [
      'failed before it wrote anything',
      () => {
        const s = session();
        s.fail('the app has no api_uri', NOW);
        return s;
      },
      'nothing_to_revert',
    ],
    [
      'confirmed before undo was recorded',
      () => ImportSession.restore({ ...confirmed().snapshot, undoRecorded: false }),
      'undo_unavailable',
    ],
  ])('%s: 409 %s, and no undo_until', (_, make, code) => {
    const s = make();
    expect(conflictOf(s, NOW)).toBe(code);
    expect(s.undoUntil(WEEK)).toBeNull();
  });

  test('start → reverting with progress over the rows written → reverted; then replays', () => {
    const s = confirmed();
    expect(s.beginRevert(later(1000), WEEK)).toBe('start');
    expect(s.phase).toBe('reverting');
    expect(s.undoUntil(WEEK)).toBeNull();
    expect(s.snapshot.progress).toEqual({ done: 0, total: 3, estimate: false });
    s.recordReverts(
      [
        { rowNumber: 4, id: 'c', status: 'restored' },
        { rowNumber: 3, id: 'b', status: 'kept', reason: 'referenced' },
      ],
      later(2000),
    );
    expect(s.percent()).toBe(66.6);
    expect(() => s.completeRevert(later(3000))).toThrow(/2 outcomes for 3 rows/);
    // A resumed undo (its instance stopped) goes on where it was.
    expect(s.beginRevert(later(2500), WEEK)).toBe('resume');
    s.recordReverts([{ rowNumber: 2, id: 'a', status: 'deleted' }], later(3000));
    s.completeRevert(later(3000));
    expect(s.phase).toBe('reverted');
    expect(s.reverts).toEqual({ deleted: 1, restored: 1, kept: 1 });
    // deleted + restored + kept = created + updated
    expect(s.reverts.deleted + s.reverts.restored + s.reverts.kept).toBe(
      s.outcomes.created + s.outcomes.updated,
    );
    expect(s.snapshot.completedAt).toEqual(NOW); // still when the import ended
    // Replayed even after the window: the result is stored.
    expect(s.beginRevert(later(30 * DAY_MS), WEEK)).toBe('replay');
    expect(() => s.assertCancellable(NOW)).toThrow(
      expect.objectContaining({ code: 'import_finished' }),
    );
  });

  test('undo outcomes can never exceed the rows written', () => {
    const s = confirmed();
    s.beginRevert(NOW, WEEK);
    expect(() =>
      s.recordReverts(
        ['a', 'b', 'c', 'd'].map((id, i) => ({ rowNumber: i + 2, id, status: 'deleted' as const })),
        NOW,
      ),
    ).toThrow(/exceed/);
  });

  test('only its creator, or platform:admin, may undo', () => {
    const s = confirmed();
    expect(() => s.assertOwnedBy({ sub: 'user-2', businessUid: 'biz-1' })).toThrow(ForbiddenError);
    expect(() => s.assertOwnedBy({ sub: 'x', businessUid: 'biz-1', admin: true })).not.toThrow();
  });
});
