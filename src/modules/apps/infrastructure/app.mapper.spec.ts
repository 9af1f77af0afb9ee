import { describe, expect, test } from '@jest/globals';
import type { App, NewApp } from '../domain/app.js';
import { AppEntity } from './app.entity.js';
import { AppMapper } from './app.mapper.js';

const CREATED = new Date('2026-01-02T03:04:05.000Z');
const UPDATED = new Date('2026-02-03T04:05:06.000Z');

const NEW_APP: NewApp = {
  appCodeName: 'acmeimport',
  name: 'Acme import',
  appTypes: ['import_clients'],
  redirectUri: 'https://acme.example/callback',
  apiUri: 'https://acme.example/records',
  description: null,
  ownerUid: 'owner-1',
  clientId: 'client-id-1',
  clientSecretHash: 'scrypt$hash',
  signingKey: { scheme: 'client_secret', sealedSecret: 'sealed-v1', clientId: 'client-id-1' },
};

/** A row as TypeORM hydrates it, with the signing key in its two columns. */
function loaded(columns: Partial<AppEntity>): AppEntity {
  return Object.assign(new AppEntity(), {
    ...AppMapper.toPersistence(NEW_APP),
    appId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    secretVersion: 2,
    createdAt: CREATED,
    updatedAt: UPDATED,
    ...columns,
  });
}

describe('AppMapper.toDomain', () => {
  test('gives a plain record, the sealed secret as a client_secret signing key', () => {
    const app = AppMapper.toDomain(loaded({}));
    expect(Object.getPrototypeOf(app)).toBe(Object.prototype);
    expect(app).not.toBeInstanceOf(AppEntity);
    const expected: App = {
      appId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
      ...NEW_APP,
      secretVersion: 2,
      createdAt: CREATED,
      updatedAt: UPDATED,
    };
    expect(app).toStrictEqual(expected);
    expect(Object.keys(app)).not.toContain('clientSecretEncrypted');
  });

  test('an app from before SPEC §8 signs with the SHA-256 of its secret', () => {
    const app = AppMapper.toDomain(loaded({ clientSecretEncrypted: null, signingKey: 'ab12' }));
    expect(app.signingKey).toStrictEqual({ scheme: 'sha256_of_secret', key: 'ab12' });
  });

  test('a row with neither signing column is refused, not turned into an app', () => {
    expect(() =>
      AppMapper.toDomain(loaded({ clientSecretEncrypted: null, signingKey: null })),
    ).toThrow(/no signing key/);
  });
});

describe('AppMapper.toPersistence', () => {
  test('spreads the signing key over its two columns', () => {
    const entity = AppMapper.toPersistence(NEW_APP);
    expect(entity).toBeInstanceOf(AppEntity);
    expect(entity.clientSecretEncrypted).toBe('sealed-v1');
    expect(entity.signingKey).toBeNull();
    expect(entity.appId).toBeUndefined();
  });

  test.each([
    [
      { scheme: 'client_secret', sealedSecret: 's', clientId: 'c' } as const,
      { clientSecretEncrypted: 's', signingKey: null },
    ],
    [
      { scheme: 'sha256_of_secret', key: 'k' } as const,
      { clientSecretEncrypted: null, signingKey: 'k' },
    ],
  ])('signingColumns(%o) keeps exactly one of the two', (key, columns) => {
    expect(AppMapper.signingColumns(key)).toStrictEqual(columns);
  });
});
