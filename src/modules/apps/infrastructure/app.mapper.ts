import { pickColumns } from '../../../shared/database/columns.js';
import type { App, AppSigningKey, AppType, NewApp } from '../domain/app.js';
import { AppEntity } from './app.entity.js';

/** The fields a new app is written with, as they are (the signing key takes two columns). */
const WRITTEN = [
  'appCodeName',
  'name',
  'appTypes',
  'redirectUri',
  'apiUri',
  'description',
  'ownerUid',
  'clientId',
  'clientSecretHash',
] as const satisfies ReadonlyArray<keyof NewApp>;
const RECORD = ['appId', ...WRITTEN, 'secretVersion', 'createdAt', 'updatedAt'] as const;

/**
 * Between an `apps` row (the TypeORM entity) and the plain `App` record the domain works with.
 * The row keeps the signing key in two columns (the sealed secret, or the key of an app from
 * before SPEC §8); the record holds it as one tagged value.
 */
export class AppMapper {
  static toDomain(entity: AppEntity): App {
    return {
      ...pickColumns(entity, RECORD),
      // A text[] column, written only from the validated app types.
      appTypes: entity.appTypes as AppType[],
      signingKey: AppMapper.signingKeyOf(entity),
    };
  }

  /** A new row to save; the database fills the id, the secret version and the timestamps. */
  static toPersistence(app: NewApp): AppEntity {
    return Object.assign(new AppEntity(), {
      ...pickColumns(app, WRITTEN),
      ...AppMapper.signingColumns(app.signingKey),
    });
  }

  /** The two columns of a signing key: the sealed secret, or the key of an app from before. */
  static signingColumns(
    key: AppSigningKey,
  ): Pick<AppEntity, 'clientSecretEncrypted' | 'signingKey'> {
    return key.scheme === 'client_secret'
      ? { clientSecretEncrypted: key.sealedSecret, signingKey: null }
      : { clientSecretEncrypted: null, signingKey: key.key };
  }

  private static signingKeyOf(entity: AppEntity): AppSigningKey {
    if (entity.clientSecretEncrypted) {
      return {
        scheme: 'client_secret',
        sealedSecret: entity.clientSecretEncrypted,
        clientId: entity.clientId,
      };
    }
    if (entity.signingKey) return { scheme: 'sha256_of_secret', key: entity.signingKey };
    // The table's CHECK constraint keeps exactly one of the two.
    throw new Error(`app ${entity.appId} has no signing key`);
  }
}
