import { Injectable } from '@nestjs/common';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from '../../../shared/database/pg-errors.js';
import { TypeOrmTransactionRunner } from '../../../shared/database/typeorm-transaction-runner.js';
import { ConflictError, detail } from '../../../shared/domain-error.js';
import { offsetOf, type Page, type PageRequest, pageOf } from '../../../shared/pagination.js';
import type {
  AppAssignment,
  AssignmentFilter,
  NewAppAssignment,
} from '../domain/app-assignment.js';
import { AppAssignmentRepository } from '../domain/app-assignment.repository.js';
import { AppAssignmentEntity } from './app-assignment.entity.js';
import { AppAssignmentMapper } from './app-assignment.mapper.js';

@Injectable()
export class TypeOrmAppAssignmentRepository extends AppAssignmentRepository {
  constructor(private readonly tx: TypeOrmTransactionRunner) {
    super();
  }

  private query() {
    return this.tx.manager
      .getRepository(AppAssignmentEntity)
      .createQueryBuilder('a')
      .innerJoinAndSelect('a.app', 'app');
  }

  async insert(assignment: NewAppAssignment): Promise<AppAssignment> {
    const repo = this.tx.manager.getRepository(AppAssignmentEntity);
    try {
      const saved = await repo.save(AppAssignmentMapper.toPersistence(assignment));
      return (await this.findByUid(saved.uid))!;
    } catch (error) {
      if (pgErrorCode(error) === PG_UNIQUE_VIOLATION) {
        throw new ConflictError('already_exists', 'app assignment already exists', [
          detail('assignee_uid', 'already_exists', assignment.assigneeUid),
        ]);
      }
      throw error;
    }
  }

  async findByUid(uid: string): Promise<AppAssignment | null> {
    const found = await this.query().where('a.uid = :uid', { uid }).getOne();
    return found ? AppAssignmentMapper.toDomain(found) : null;
  }

  async list(filter: AssignmentFilter, request: PageRequest): Promise<Page<AppAssignment>> {
    const q = this.query();
    if (filter.appCodeName) {
      q.andWhere('lower(app.app_code_name) = lower(:code)', { code: filter.appCodeName });
    }
    if (filter.assigneeType) q.andWhere('a.assignee_type = :type', { type: filter.assigneeType });
    if (filter.assigneeUid)
      q.andWhere('a.assignee_uid = :assignee', { assignee: filter.assigneeUid });
    const [items, total] = await q
      .orderBy('a.created_at', 'ASC')
      .addOrderBy('a.uid', 'ASC')
      .skip(offsetOf(request))
      .take(request.pageSize)
      .getManyAndCount();
    return pageOf(items.map(AppAssignmentMapper.toDomain), total, request);
  }

  async isAssigned(appId: string, businessUid: string): Promise<boolean> {
    return this.tx.manager.getRepository(AppAssignmentEntity).existsBy({
      appId,
      assigneeType: 'business',
      assigneeUid: businessUid,
    });
  }

  async delete(uid: string): Promise<void> {
    await this.tx.manager.getRepository(AppAssignmentEntity).delete({ uid });
  }
}
