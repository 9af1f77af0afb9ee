/**
 * Application code runs a unit of work with `tx.run(() => …)` without touching TypeORM
 * (ARCHITECTURE rule 7). Nested calls join the outer transaction. The TypeORM adapter is
 * `TypeOrmTransactionRunner`.
 */
export abstract class TransactionRunner {
  abstract run<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: runs `work` under a savepoint; if it throws, only its own writes are
   * rolled back and the error is rethrown, so the transaction can go on.
   */
  abstract savepoint<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Runs `work` outside any open transaction, and so does everything it schedules (timers,
   * callbacks): a heartbeat started inside a transaction must not use its connection.
   */
  abstract detached<T>(work: () => T): T;
}
