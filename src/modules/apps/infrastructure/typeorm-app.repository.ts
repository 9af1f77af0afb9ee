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
import type { App, AppDetails, NewApp, RotatedSecret } from '../domain/app.js';
import { AppRepository } from '../domain/app.repository.js';
import { AppEntity } from './app.entity.js';
import { AppMapper } from './app.mapper.js';

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
      return AppMapper.toDomain(await this.repo.save(AppMapper.toPersistence(app)));
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
    return found ? AppMapper.toDomain(found) : null;
  }

  async findByClientId(clientId: string): Promise<App | null> {
    const found = await this.repo.findOneBy({ clientId });
    return found ? AppMapper.toDomain(found) : null;
  }

  async list(request: PageRequest): Promise<Page<App>> {
    const [items, total] = await this.repo.findAndCount({
      order: { createdAt: 'ASC', appId: 'ASC' },
      skip: offsetOf(request),
      take: request.pageSize,
    });
    return pageOf(items.map(AppMapper.toDomain), total, request);
  }

  async update(appId: string, details: AppDetails): Promise<App> {
    await this.repo.update({ appId }, details);
    return AppMapper.toDomain(await this.repo.findOneByOrFail({ appId }));
  }

  async rotateSecret(appId: string, secret: RotatedSecret): Promise<App> {
    await this.repo.update(
      { appId },
      {
        clientSecretHash: secret.clientSecretHash,
        ...AppMapper.signingColumns(secret.signingKey),
        secretVersion: () => 'secret_version + 1',
      },
    );
    return AppMapper.toDomain(await this.repo.findOneByOrFail({ appId }));
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
