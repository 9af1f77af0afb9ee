import { Global, Module } from '@nestjs/common';
import { RATE_LIMIT_NAMESPACE, RateLimitGuard, RateLimiters } from './rate-limit.js';

/** The shared rate limits (counters in PostgreSQL) and the guard that applies them. */
@Global()
@Module({
  providers: [{ provide: RATE_LIMIT_NAMESPACE, useValue: '' }, RateLimiters, RateLimitGuard],
  exports: [RateLimiters, RateLimitGuard],
})
export class RateLimitModule {}
