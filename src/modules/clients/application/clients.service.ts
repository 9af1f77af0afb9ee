import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import {
  detail,
  type ErrorDetail,
  InvalidError,
  NotFoundError,
} from '../../../shared/domain-error.js';
import type { Page, PageRequest } from '../../../shared/pagination.js';
import { CustomerRepository } from '../../customers/domain/customer.repository.js';
import type { Client, ClientFields } from '../domain/client.js';
import { toE164 } from '../domain/client.rules.js';
import { ClientRepository } from '../domain/client.repository.js';

@Injectable()
export class ClientsService {
  constructor(
    private readonly clients: ClientRepository,
    private readonly customers: CustomerRepository,
    private readonly config: AppConfig,
  ) {}

  async create(businessUid: string, fields: ClientFields): Promise<Client> {
    return this.clients.insert(businessUid, await this.normalise(businessUid, fields), 'api');
  }

  list(businessUid: string, search: string | undefined, page: PageRequest): Promise<Page<Client>> {
    return this.clients.list(businessUid, search, page);
  }

  async get(businessUid: string, id: string): Promise<Client> {
    return (await this.clients.findById(businessUid, id)) ?? notFound(id);
  }

  async update(businessUid: string, id: string, fields: ClientFields): Promise<Client> {
    await this.get(businessUid, id);
    const updated = await this.clients.update(
      businessUid,
      id,
      await this.normalise(businessUid, fields),
    );
    return updated ?? notFound(id);
  }

  async delete(businessUid: string, id: string): Promise<Client> {
    const client = await this.get(businessUid, id);
    if (!(await this.clients.delete(businessUid, id))) notFound(id);
    return client;
  }

  /** Rules that need the configuration or the database: E.164 phone, an organisation of the business. */
  private async normalise(businessUid: string, fields: ClientFields): Promise<ClientFields> {
    const errors: ErrorDetail[] = [];
    let phone = fields.phone;
    if (phone !== null) {
      phone = toE164(phone, this.config.DEFAULT_PHONE_REGION);
      if (!phone) errors.push(detail('phone', 'invalid_phone', fields.phone));
    }
    if (
      fields.organization_id &&
      !(await this.customers.existsAll(businessUid, [fields.organization_id]))
    ) {
      errors.push(detail('organization_id', 'not_found', fields.organization_id));
    }
    if (errors.length > 0) throw new InvalidError(errors);
    return { ...fields, phone };
  }
}

function notFound(id: string): never {
  throw new NotFoundError(`client ${id}`);
}
