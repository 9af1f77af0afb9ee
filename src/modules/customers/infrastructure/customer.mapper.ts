import { pickColumns } from '../../../shared/database/columns.js';
import { CUSTOMER_IMPORT_COLUMNS, type Customer, type CustomerFields } from '../domain/customer.js';
import { CustomerEntity } from './customer.entity.js';

/** The written fields of a customer: exactly the import's columns. */
const FIELDS = CUSTOMER_IMPORT_COLUMNS satisfies ReadonlyArray<keyof CustomerFields>;
const RECORD = ['id', 'businessUid', ...FIELDS, 'createdAt', 'updatedAt'] as const;

/**
 * Between a `customers` row (the TypeORM entity) and the plain `Customer` record the domain
 * works with: what leaves the repository is never an entity instance.
 */
export class CustomerMapper {
  static toDomain(entity: CustomerEntity): Customer {
    return pickColumns(entity, RECORD);
  }

  /** A new row to save; the database fills the id and the timestamps. */
  static toPersistence(businessUid: string, fields: CustomerFields): CustomerEntity {
    return Object.assign(new CustomerEntity(), {
      businessUid,
      ...CustomerMapper.toColumns(fields),
    });
  }

  /** The written columns of a customer, and nothing else the source may carry. */
  static toColumns(source: CustomerFields): CustomerFields {
    return pickColumns(source, FIELDS);
  }
}
