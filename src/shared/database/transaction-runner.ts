import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Application code runs a unit of work with `tx.run(() => …)` without touching TypeORM
 * (ARCHITECTURE rule 7). Nested calls join the outer transaction.
 */
export abstract class TransactionRunner {
  abstract run<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: runs `work` under a savepoint; if it throws, only its own writes are
   * rolled back and the error is rethrown, so the transaction can go on.
   */
  abstract savepoint<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Holds the transaction's EntityManager in AsyncLocalStorage; repositories read `manager`,
 * which is the transaction's when one is open and the data source's otherwise.
 */
@Injectable()
export class TypeOrmTransactionRunner extends TransactionRunner {
  private readonly storage = new AsyncLocalStorage<EntityManager>();
  private savepoints = 0;

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.storage.getStore()) return work();
    return this.dataSource.transaction((manager) => this.storage.run(manager, work));
  }

  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const manager = this.storage.getStore();
    if (!manager) throw new Error('savepoint() needs an open transaction');
    const name = `sp_${++this.savepoints}`;
    await manager.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await manager.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  get manager(): EntityManager {
    return this.storage.getStore() ?? this.dataSource.manager;
  }
}
