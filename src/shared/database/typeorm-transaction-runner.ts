import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { TransactionRunner } from './transaction-runner.js';

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

  detached<T>(work: () => T): T {
    return this.storage.exit(work);
  }

  get manager(): EntityManager {
    return this.storage.getStore() ?? this.dataSource.manager;
  }
}

/** Parameterised SQL on the current transaction's connection (or the pool's, outside one). */
export type SqlQuery = <T = unknown>(sql: string, params?: unknown[]) => Promise<T>;

export function sqlOf(tx: TypeOrmTransactionRunner): SqlQuery {
  return <T>(sql: string, params: unknown[] = []) => tx.manager.query(sql, params) as Promise<T>;
}

/**
 * One page of a query and the total it counts: `from` is the `FROM … WHERE …` part both run
 * (its parameters first), the page's LIMIT and OFFSET come after them.
 */
export async function pageQuery<R>(
  query: SqlQuery,
  input: { select: string; from: string; orderBy: string; params: unknown[] },
  request: { page: number; pageSize: number },
): Promise<{ rows: R[]; total: number }> {
  const n = input.params.length;
  const [rows, [{ total }]] = await Promise.all([
    query<R[]>(
      `SELECT ${input.select} ${input.from} ORDER BY ${input.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...input.params, request.pageSize, (request.page - 1) * request.pageSize],
    ),
    query<Array<{ total: number }>>(`SELECT count(*)::int AS total ${input.from}`, input.params),
  ]);
  return { rows, total };
}
