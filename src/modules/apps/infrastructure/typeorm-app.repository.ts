import { Injectable } from '@nestjs/common';
import { TypeOrmTransactionRunner } from '../../../shared/database/typeorm-transaction-runner.js';
import {
  PG_FOREIGN_KEY_VIOLATION,
  PG_RESTRICT_VIOLATION,
  PG_UNIQUE_VIOLATION,
  pgConstraint,
  pgErrorCode,
} from '../../../shared/database/pg-errors.js';
import { ConflictError, detail } from '../../../shared/domain-error.js';
import { offsetOf, type Page, type PageRequest, pageOf } from '../../../shared/pagination.js';
import type {
  App,
  AppDetails,
  AppSigningKey,
  AppType,
  NewApp,
  RotatedSecret,
} from '../domain/app.js';
import { AppRepository } from '../domain/app.repository.js';
import { AppEntity } from './app.entity.js';

function signingKeyOf(e: AppEntity): AppSigningKey {
  if (e.clientSecretEncrypted) {
    return { scheme: 'client_secret', sealedSecret: e.clientSecretEncrypted, clientId: e.clientId };
  }
  if (e.signingKey) return { scheme: 'sha256_of_secret', key: e.signingKey };
  // The table's CHECK constraint keeps exactly one of the two.
  throw new Error(`app ${e.appId} has no signing key`);
}

/** The two columns of a signing key: the sealed secret, or the key of an app from before. */
function signingColumns(
  key: AppSigningKey,
): Pick<AppEntity, 'clientSecretEncrypted' | 'signingKey'> {
  return key.scheme === 'client_secret'
    ? { clientSecretEncrypted: key.sealedSecret, signingKey: null }
    : { clientSecretEncrypted: null, signingKey: key.key };
}

function toApp(e: AppEntity): App {
  const { clientSecretEncrypted: _sealed, signingKey: _key, ...fields } = e;
  return { ...fields, appTypes: e.appTypes as AppType[], signingKey: signingKeyOf(e) };
}

@Injectable()
export class TypeOrmAppRepository extends AppRepository {
  constructor(private readonly tx: TypeOrmTransactionRunner) {
    super();
  }

  private get repo() {
    return this.tx.manager.getRepository(AppEntity);
  }

  async insert(app: NewApp): Promise<App> {
    try {
      const { signingKey, ...fields } = app;
      const saved = await this.repo.save(
        this.repo.create({ ...fields, ...signingColumns(signingKey) }),
      );
      return toApp(saved);
    } catch (error) {
      if (
        pgErrorCode(error) === PG_UNIQUE_VIOLATION &&
        pgConstraint(error) === 'apps_app_code_name_key'
      ) {
        throw new ConflictError('already_exists', 'app already exists', [
          detail('app_code_name', 'already_exists', app.appCodeName),
        ]);
      }
      throw error;
    }
  }

  async findByCodeName(appCodeName: string): Promise<App | null> {
    const found = await this.repo
      .createQueryBuilder('app')
      .where('lower(app.app_code_name) = lower(:appCodeName)', { appCodeName })
      .getOne();
    return found ? toApp(found) : null;
  }

  async findByClientId(clientId: string): Promise<App | null> {
    const found = await this.repo.findOneBy({ clientId });
    return found ? toApp(found) : null;
  }

  async list(request: PageRequest): Promise<Page<App>> {
    const [items, total] = await this.repo.findAndCount({
      order: { createdAt: 'ASC', appId: 'ASC' },
      skip: offsetOf(request),
      take: request.pageSize,
    });
    return pageOf(items.map(toApp), total, request);
  }

  async update(appId: string, details: AppDetails): Promise<App> {
    await this.repo.update({ appId }, details);
    return toApp(await this.repo.findOneByOrFail({ appId }));
  }

  async rotateSecret(appId: string, secret: RotatedSecret): Promise<App> {
    await this.repo.update(
      { appId },
      {
        clientSecretHash: secret.clientSecretHash,
        ...signingColumns(secret.signingKey),
        secretVersion: () => 'secret_version + 1',
      },
    );
    return toApp(await this.repo.findOneByOrFail({ appId }));
  }

  async delete(app: App): Promise<void> {
    try {
      await this.repo.delete({ appId: app.appId });
    } catch (error) {
      if ([PG_FOREIGN_KEY_VIOLATION, PG_RESTRICT_VIOLATION].includes(pgErrorCode(error) ?? '')) {
        throw new ConflictError('app_has_assignments', 'app is still assigned', [
          detail('app_code_name', 'has_assignments', app.appCodeName),
        ]);
      }
      throw error;
    }
  }
}
