import { Injectable } from '@nestjs/common';
import {
  fieldValues,
  type LockedRecord,
  type RevertAction,
} from '../../../import/domain/import-change.js';
import type { ImportRow } from '../../../import/domain/import-row.js';
import {
  type CheckedRow,
  type ImportContext,
  ImportTarget,
  type RowAction,
  type WriteResult,
} from '../../../import/domain/import-target.js';
import { timeOrderedIds } from '../../../shared/database/time-ordered-ids.js';
import { CUSTOMER_IMPORT_COLUMNS, type CustomerFields } from '../domain/customer.js';
import { CustomerRepository } from '../domain/customer.repository.js';
import { CUSTOMER_RULES, customerFieldsOf } from '../domain/customer.rules.js';
import { compileFieldRules } from '../../../shared/rules/field-rules.js';

const checkRow = compileFieldRules(CUSTOMER_RULES);

/**
 * Customers on the import engine (SPEC §4): field rules, VAT duplicates inside the file as
 * errors, no database classification (the database enforces no uniqueness on name or VAT, so
 * there are never warnings or ambiguities), batched inserts.
 */
@Injectable()
export class CustomersImportTarget extends ImportTarget<CustomerFields> {
  readonly entityType = 'customers' as const;
  readonly columns = CUSTOMER_IMPORT_COLUMNS;

  constructor(private readonly customers: CustomerRepository) {
    super();
  }

  duplicateSeverity(): 'error' {
    return 'error';
  }

  check(cells: Record<string, string>): CheckedRow<CustomerFields> {
    const { values, errors } = checkRow(cells);
    const vat = cells.vat_number?.trim();
    return {
      payload: customerFieldsOf(values),
      errors,
      ...(vat ? { duplicateKey: { field: 'vat_number', value: vat } } : {}),
    };
  }

  async classify(_rows: ImportRow<CustomerFields>[], _context: ImportContext): Promise<void> {
    // Nothing in the database makes a customer row a warning or ambiguous.
  }

  async write(
    actions: RowAction<CustomerFields>[],
    { businessUid }: ImportContext,
  ): Promise<WriteResult[]> {
    const ids = timeOrderedIds(actions.length);
    const rows = actions.map((action, i) => {
      if (action.kind !== 'create') throw new Error('customers are only ever created by an import');
      return { id: ids[i], fields: action.payload, rowNumber: action.rowNumber };
    });
    await this.customers.insertMany(businessUid, rows);
    return rows.map((r) => ({
      rowNumber: r.rowNumber,
      id: r.id,
      status: 'created',
      written: fieldValues(r.fields, CUSTOMER_IMPORT_COLUMNS),
    }));
  }

  /** A customer a client belongs to is `referenced`: undo keeps it. */
  async lockForRevert(
    ids: string[],
    { businessUid }: ImportContext,
  ): Promise<Map<string, LockedRecord>> {
    const customers = await this.customers.lockMany(businessUid, ids);
    const referenced = new Set(await this.customers.referencedIds(customers.map((c) => c.id)));
    return new Map(
      customers.map((c) => [
        c.id,
        { values: fieldValues(c, CUSTOMER_IMPORT_COLUMNS), referenced: referenced.has(c.id) },
      ]),
    );
  }

  async revert(actions: RevertAction[], { businessUid }: ImportContext): Promise<void> {
    const ids = actions.map((action) => {
      // Nothing to restore: an import never updates a customer.
      if (action.kind !== 'delete') throw new Error('customers are only ever created by an import');
      return action.id;
    });
    await this.customers.deleteMany(businessUid, ids);
  }

  describeFailure(error: unknown): string {
    const message = (error as { message?: string })?.message ?? 'unknown error';
    if (/value too long/i.test(message)) return 'a value is too long for its column';
    if (/violates/i.test(message)) return 'rejected by a database constraint';
    return 'the customer could not be created';
  }
}
