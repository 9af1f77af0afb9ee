import { Module, type OnModuleInit } from '@nestjs/common';
import { ImportTargets } from '../../import/application/import-targets.js';
import { CustomersModule } from '../customers/customers.module.js';
import { ClientsService } from './application/clients.service.js';
import { ClientRepository } from './domain/client.repository.js';
import { ClientsController } from './http/clients.controller.js';
import { ClientsImportTarget } from './infrastructure/clients.import-target.js';
import { TypeOrmClientRepository } from './infrastructure/typeorm-client.repository.js';

@Module({
  imports: [CustomersModule],
  controllers: [ClientsController],
  providers: [
    ClientsService,
    ClientsImportTarget,
    { provide: ClientRepository, useClass: TypeOrmClientRepository },
  ],
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
