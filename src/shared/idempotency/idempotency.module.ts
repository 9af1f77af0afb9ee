import {
  Global,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyStore } from './idempotency-store.js';
import { PostgresIdempotencyStore } from './postgres-idempotency-store.js';

const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * Idempotency-Keys for the routes marked @Idempotent(): the store, the interceptor, and an
 * hourly purge of the keys past their 24 h (each instance purges; the deletes do not collide).
 */
@Global()
@Module({
  providers: [
    { provide: IdempotencyStore, useClass: PostgresIdempotencyStore },
    IdempotencyInterceptor,
  ],
  exports: [IdempotencyStore, IdempotencyInterceptor],
})
export class IdempotencyModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Idempotency');
  private timer?: NodeJS.Timeout;

  constructor(private readonly store: IdempotencyStore) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async purge(): Promise<void> {
    try {
      const purged = await this.store.purgeExpired();
      if (purged > 0) this.logger.log({ purged }, 'purged expired Idempotency-Keys');
    } catch (error) {
      this.logger.warn({ err: error }, 'Idempotency-Key purge failed');
    }
  }
}
