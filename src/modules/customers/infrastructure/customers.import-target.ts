import { Injectable } from '@nestjs/common';
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
    return rows.map((r) => ({ rowNumber: r.rowNumber, id: r.id, status: 'created' }));
  }

  describeFailure(error: unknown): string {
    const message = (error as { message?: string })?.message ?? 'unknown error';
    if (/value too long/i.test(message)) return 'a value is too long for its column';
    if (/violates/i.test(message)) return 'rejected by a database constraint';
    return 'the customer could not be created';
  }
}
