import { describe, expect, test } from '@jest/globals';
import { AppEntity } from '../../apps/infrastructure/app.entity.js';
import type { AppAssignment, NewAppAssignment } from '../domain/app-assignment.js';
import { AppAssignmentEntity } from './app-assignment.entity.js';
import { AppAssignmentMapper } from './app-assignment.mapper.js';

const NEW_ASSIGNMENT: NewAppAssignment = {
  appId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
  assigneeType: 'business',
  assigneeUid: 'biz-1',
  settings: { assignment_mode: 'pre_installed' },
};
const CREATED = new Date('2026-01-02T03:04:05.000Z');

/** A row as the repository loads it: the entity with its app joined. */
function loaded(app: AppEntity | undefined): AppAssignmentEntity {
  return Object.assign(AppAssignmentMapper.toPersistence(NEW_ASSIGNMENT), {
    uid: '9b2c6f2e-2f6b-4e57-9a53-2b7f0c3e8d11',
    app,
    createdAt: CREATED,
    updatedAt: CREATED,
  });
}

describe('AppAssignmentMapper', () => {
  test('toDomain gives a plain record named by its app, without the joined entity', () => {
    const app = Object.assign(new AppEntity(), { appCodeName: 'acmeimport' });
    const record = AppAssignmentMapper.toDomain(loaded(app));
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(record).not.toBeInstanceOf(AppAssignmentEntity);
    const expected: AppAssignment = {
      uid: '9b2c6f2e-2f6b-4e57-9a53-2b7f0c3e8d11',
      ...NEW_ASSIGNMENT,
      appCodeName: 'acmeimport',
      createdAt: CREATED,
      updatedAt: CREATED,
    };
    expect(record).toStrictEqual(expected);
  });

  test('toDomain refuses a row loaded without its app (no code name to give)', () => {
    expect(() => AppAssignmentMapper.toDomain(loaded(undefined))).toThrow(/without its app/);
  });

  test('toPersistence builds an entity with a copy of the settings, no uid of its own', () => {
    const entity = AppAssignmentMapper.toPersistence(NEW_ASSIGNMENT);
    expect(entity).toBeInstanceOf(AppAssignmentEntity);
    expect({ ...entity }).toMatchObject(NEW_ASSIGNMENT);
    expect(entity.settings).not.toBe(NEW_ASSIGNMENT.settings);
    expect(entity.uid).toBeUndefined();
  });
});
