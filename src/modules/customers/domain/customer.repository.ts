import type { Page, PageRequest } from '../../../shared/pagination.js';
import type { Customer, CustomerFields } from './customer.js';

export interface CustomerSummary {
  id: string;
  company_name: string;
}

export abstract class CustomerRepository {
  abstract insert(businessUid: string, fields: CustomerFields): Promise<Customer>;
  /** One multi-row insert; ids are chosen by the caller so results map to rows exactly. */
  abstract insertMany(
    businessUid: string,
    rows: Array<{ id: string; fields: CustomerFields }>,
  ): Promise<void>;
  abstract findById(businessUid: string, id: string): Promise<Customer | null>;
  abstract list(
    businessUid: string,
    search: string | undefined,
    page: PageRequest,
  ): Promise<Page<Customer>>;
  abstract update(
    businessUid: string,
    id: string,
    fields: CustomerFields,
  ): Promise<Customer | null>;
  abstract delete(businessUid: string, id: string): Promise<boolean>;
  /** Customers whose name matches one of `names` case-insensitively (one query). */
  abstract findByNames(businessUid: string, names: string[]): Promise<CustomerSummary[]>;
  abstract existsAll(businessUid: string, ids: string[]): Promise<boolean>;
  /**
   * Undo of an import: locks these customers until the transaction ends (`FOR UPDATE`, one
   * statement: no client can be attached to them meanwhile) and returns them; a customer
   * deleted since is missing.
   */
  abstract lockMany(
    businessUid: string,
    ids: string[],
  ): Promise<Array<CustomerFields & { id: string }>>;
  /** Of these customers, the ones a client belongs to (one query). */
  abstract referencedIds(ids: string[]): Promise<string[]>;
  /** Deletes these customers (one statement). */
  abstract deleteMany(businessUid: string, ids: string[]): Promise<void>;
}
