import { Module, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { AppAssignmentsModule } from '../app-assignments/app-assignments.module.js';
import { AppsModule } from '../apps/apps.module.js';
import { AppImportService } from './application/app-import.service.js';
import { AppPullRunner } from './application/app-pull.runner.js';
import { AppPullPolicy, AppRecordSource } from './domain/app-record-source.js';
import { ImportNotifier } from './domain/import-notifier.js';
import { HttpAppRecordSource } from './infrastructure/http-app-record-source.js';
import { LogImportNotifier, SmtpImportNotifier } from './infrastructure/import-notifiers.js';
import { ImportTargets } from '../../import/application/import-targets.js';
import { CustomersModule } from '../customers/customers.module.js';
import { ClientsService } from './application/clients.service.js';
import { ClientRepository } from './domain/client.repository.js';
import { ClientImportsController, ClientsController } from './http/clients.controller.js';
import { ClientsImportTarget } from './infrastructure/clients.import-target.js';
import { PhoneNormalizer } from './infrastructure/phone-normalizer.js';
import { TypeOrmClientRepository } from './infrastructure/typeorm-client.repository.js';

@Module({
  imports: [CustomersModule, AppsModule, AppAssignmentsModule],
  controllers: [ClientsController, ClientImportsController],
  providers: [
    ClientsService,
    ClientsImportTarget,
    PhoneNormalizer,
    { provide: ClientRepository, useClass: TypeOrmClientRepository },
    AppImportService,
    AppPullRunner,
    AppPullPolicy,
    { provide: AppRecordSource, useClass: HttpAppRecordSource },
    {
      provide: ImportNotifier,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        config.SMTP_URL ? new SmtpImportNotifier(config.SMTP_URL) : new LogImportNotifier(),
    },
  ],
  exports: [AppPullRunner],
})
export class ClientsModule implements OnModuleInit {
  constructor(
    private readonly targets: ImportTargets,
    private readonly target: ClientsImportTarget,
  ) {}

  onModuleInit(): void {
    this.targets.register(this.target);
  }
}
