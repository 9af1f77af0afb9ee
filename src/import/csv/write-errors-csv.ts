import { format } from 'fast-csv';
import type { Writable } from 'node:stream';
import type { StoredRow } from '../domain/import-row.repository.js';

const RISKY = /^[=+\-@\t\r]/;

/** A cell that a spreadsheet would run as a formula gets a leading `'` (formula injection). */
export function safeCell(value: string): string {
  return RISKY.test(value) ? `'${value}` : value;
}

function notImported(row: StoredRow): { status: string; reason: string } | null {
  const outcome = row.outcome;
  if (outcome) {
    if (outcome.status === 'skipped') return { status: 'skipped', reason: outcome.reason };
    if (outcome.status === 'failed') return { status: 'failed', reason: outcome.error };
    return null;
  }
  return row.status === 'error' ? { status: 'error', reason: 'error' } : null;
}

function describeIssues(row: StoredRow): string {
  const ambiguous = row.ambiguities.map((a) => ({ ...a, message: 'ambiguous' }));
  return [...row.errors, ...ambiguous, ...row.warnings]
    .map((i) => `${i.field}: ${i.message}${i.values?.length ? ` (${i.values.join(', ')})` : ''}`)
    .join('; ');
}

/**
 * Writes the rows that were not imported — error rows, and after confirm skipped and failed
 * rows — with the original columns plus `row_number, status, reason, errors` (SPEC §6.3).
 */
export async function writeErrorsCsv(
  columns: readonly string[],
  pages: AsyncIterable<StoredRow[]>,
  out: Writable,
): Promise<void> {
  const csv = format({
    headers: [...columns, 'row_number', 'status', 'reason', 'errors'],
    writeBOM: true,
    includeEndRowDelimiter: true,
  });
  csv.pipe(out);
  for await (const page of pages) {
    for (const row of page) {
      const failed = notImported(row);
      if (!failed) continue;
      const record = [
        ...columns.map((c) => row.data[c] ?? ''),
        String(row.rowNumber),
        failed.status,
        failed.reason,
        describeIssues(row),
      ].map(safeCell);
      if (!csv.write(record)) await new Promise((resolve) => csv.once('drain', resolve));
    }
  }
  await new Promise<void>((resolve, reject) => {
    out.once('finish', resolve);
    out.once('error', reject);
    csv.end();
  });
}
