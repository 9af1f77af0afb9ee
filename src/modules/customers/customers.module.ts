import { Module, type OnModuleInit } from '@nestjs/common';
import { ImportTargets } from '../../import/application/import-targets.js';
import { CustomersService } from './application/customers.service.js';
import { CustomerRepository } from './domain/customer.repository.js';
import { CustomerImportsController, CustomersController } from './http/customers.controller.js';
import { CustomersImportTarget } from './infrastructure/customers.import-target.js';
import { TypeOrmCustomerRepository } from './infrastructure/typeorm-customer.repository.js';

@Module({
  controllers: [CustomersController, CustomerImportsController],
  providers: [
    CustomersService,
    CustomersImportTarget,
    { provide: CustomerRepository, useClass: TypeOrmCustomerRepository },
  ],
  exports: [CustomerRepository],
})
export class CustomersModule implements OnModuleInit {
  constructor(
    private readonly targets: ImportTargets,
    private readonly target: CustomersImportTarget,
  ) {}

  onModuleInit(): void {
    this.targets.register(this.target);
  }
}
