import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { AppAssignmentsModule } from './modules/app-assignments/app-assignments.module.js';
import { APP_ASSIGNMENT_ENTITIES } from './modules/app-assignments/infrastructure/entities.js';
import { ImportModule } from './import/import.module.js';
import { AppsModule } from './modules/apps/apps.module.js';
import { ClientsModule } from './modules/clients/clients.module.js';
import { CLIENT_ENTITIES } from './modules/clients/infrastructure/entities.js';
import { CustomersModule } from './modules/customers/customers.module.js';
import { CUSTOMER_ENTITIES } from './modules/customers/infrastructure/entities.js';
import { APP_ENTITIES } from './modules/apps/infrastructure/entities.js';
import { AuthModule } from './shared/auth/auth.module.js';
import { CryptoModule } from './shared/crypto/crypto.module.js';
import { DatabaseModule } from './shared/database/database.module.js';
import { HealthModule } from './shared/health/health.module.js';
import { IdempotencyModule } from './shared/idempotency/idempotency.module.js';
import { LoggingModule } from './shared/http/logging.module.js';
import { RateLimitModule } from './shared/http/rate-limit.module.js';
import { LifecycleModule } from './shared/lifecycle/lifecycle.module.js';
import { MetricsModule } from './shared/metrics/metrics.module.js';

@Module({})
export class AppModule {
  /** The whole application for a validated configuration (main.ts and e2e tests). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule.forRoot([
          ...APP_ENTITIES,
          ...APP_ASSIGNMENT_ENTITIES,
          ...CUSTOMER_ENTITIES,
          ...CLIENT_ENTITIES,
        ]),
        LifecycleModule,
        MetricsModule,
        RateLimitModule,
        AuthModule,
        CryptoModule,
        IdempotencyModule,
        HealthModule,
        AppsModule,
        AppAssignmentsModule,
        ImportModule,
        CustomersModule,
        ClientsModule,
      ],
    };
  }
}
