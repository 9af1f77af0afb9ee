import { Injectable } from '@nestjs/common';
import { deleteByIds, lockByIds } from '../../../shared/database/business-rows.js';
import { businessPage } from '../../../shared/database/search.js';
import { TypeOrmTransactionRunner } from '../../../shared/database/typeorm-transaction-runner.js';
import type { Page, PageRequest } from '../../../shared/pagination.js';
import { CUSTOMER_IMPORT_COLUMNS, type Customer, type CustomerFields } from '../domain/customer.js';
import { CustomerRepository, type CustomerSummary } from '../domain/customer.repository.js';
import { CustomerEntity } from './customer.entity.js';
import { CustomerMapper } from './customer.mapper.js';

/** Every field of a customer (the import's columns are exactly those). */
const FIELDS = CUSTOMER_IMPORT_COLUMNS satisfies ReadonlyArray<keyof CustomerFields>;

@Injectable()
export class TypeOrmCustomerRepository extends CustomerRepository {
  constructor(private readonly tx: TypeOrmTransactionRunner) {
    super();
  }

  private get repo() {
    return this.tx.manager.getRepository(CustomerEntity);
  }

  async insert(businessUid: string, fields: CustomerFields): Promise<Customer> {
    return CustomerMapper.toDomain(
      await this.repo.save(CustomerMapper.toPersistence(businessUid, fields)),
    );
  }

  async insertMany(
    businessUid: string,
    rows: Array<{ id: string; fields: CustomerFields }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const records = rows.map(({ id, fields }) => ({ id, ...fields }));
    await this.tx.manager.query(
      `INSERT INTO customers (id, business_uid, ${FIELDS.join(', ')})
       SELECT r.id, $1, ${FIELDS.map((f) => `r.${f}`).join(', ')}
         FROM json_to_recordset($2::json) AS r(id uuid, ${FIELDS.map((f) => `${f} text`).join(', ')})`,
      [businessUid, JSON.stringify(records)],
    );
  }

  async findById(businessUid: string, id: string): Promise<Customer | null> {
    const found = await this.repo.findOneBy({ businessUid, id });
    return found ? CustomerMapper.toDomain(found) : null;
  }

  async list(
    businessUid: string,
    search: string | undefined,
    request: PageRequest,
  ): Promise<Page<Customer>> {
    return businessPage(
      this.repo,
      {
        businessUid,
        search,
        searchIn: ['c.company_name', 'c.vat_number', 'c.email', 'c.city', 'c.main_contact'],
        request,
      },
      CustomerMapper.toDomain,
    );
  }

  async update(businessUid: string, id: string, fields: CustomerFields): Promise<Customer | null> {
    const result = await this.repo.update({ businessUid, id }, CustomerMapper.toColumns(fields));
    return result.affected ? this.findById(businessUid, id) : null;
  }

  async delete(businessUid: string, id: string): Promise<boolean> {
    const result = await this.repo.delete({ businessUid, id });
    return (result.affected ?? 0) > 0;
  }

  async findByNames(businessUid: string, names: string[]): Promise<CustomerSummary[]> {
    if (names.length === 0) return [];
    // COLLATE "C": the name index's order (migration 0007), so the lookup uses it.
    return this.tx.manager.query(
      `SELECT id, company_name FROM customers
        WHERE business_uid = $1 AND lower(company_name) COLLATE "C" = ANY($2::text[])
        ORDER BY company_name, id`,
      [businessUid, [...new Set(names.map((n) => n.toLowerCase()))]],
    );
  }

  lockMany(businessUid: string, ids: string[]): Promise<Array<CustomerFields & { id: string }>> {
    return lockByIds(this.tx.manager, 'customers', FIELDS, businessUid, ids);
  }

  async referencedIds(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    // Clients refer to customers (clients.organization_id); a separate statement, after the
    // lock, so that it sees every client committed before it.
    const rows: Array<{ id: string }> = await this.tx.manager.query(
      `SELECT DISTINCT organization_id AS id FROM clients WHERE organization_id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  deleteMany(businessUid: string, ids: string[]): Promise<void> {
    return deleteByIds(this.tx.manager, 'customers', businessUid, ids);
  }

  async existsAll(businessUid: string, ids: string[]): Promise<boolean> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return true;
    const [{ count }] = await this.tx.manager.query(
      `SELECT count(*)::int AS count FROM customers WHERE business_uid = $1 AND id = ANY($2::uuid[])`,
      [businessUid, unique],
    );
    return count === unique.length;
  }
}
