import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../../../shared/domain-error.js';
import type { Page, PageRequest } from '../../../shared/pagination.js';
import type { Customer, CustomerFields } from '../domain/customer.js';
import { CustomerRepository } from '../domain/customer.repository.js';

@Injectable()
export class CustomersService {
  constructor(private readonly customers: CustomerRepository) {}

  create(businessUid: string, fields: CustomerFields): Promise<Customer> {
    return this.customers.insert(businessUid, fields);
  }

  list(
    businessUid: string,
    search: string | undefined,
    page: PageRequest,
  ): Promise<Page<Customer>> {
    return this.customers.list(businessUid, search, page);
  }

  async get(businessUid: string, id: string): Promise<Customer> {
    return (await this.customers.findById(businessUid, id)) ?? notFound(id);
  }

  async update(businessUid: string, id: string, fields: CustomerFields): Promise<Customer> {
    return (await this.customers.update(businessUid, id, fields)) ?? notFound(id);
  }

  async delete(businessUid: string, id: string): Promise<Customer> {
    const customer = await this.get(businessUid, id);
    if (!(await this.customers.delete(businessUid, id))) notFound(id);
    return customer;
  }
}

function notFound(id: string): never {
  throw new NotFoundError(`customer ${id}`);
}
