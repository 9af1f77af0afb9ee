import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * Application code runs a unit of work with `tx.run(() => …)` without touching TypeORM
 * (ARCHITECTURE rule 7). Nested calls join the outer transaction.
 */
export abstract class TransactionRunner {
  abstract run<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Holds the transaction's EntityManager in AsyncLocalStorage; repositories read `manager`,
 * which is the transaction's when one is open and the data source's otherwise.
 */
@Injectable()
export class TypeOrmTransactionRunner extends TransactionRunner {
  private readonly storage = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.storage.getStore()) return work();
    return this.dataSource.transaction((manager) => this.storage.run(manager, work));
  }

  get manager(): EntityManager {
    return this.storage.getStore() ?? this.dataSource.manager;
  }
}
