import { detail, type ErrorDetail, InvalidError } from '../../shared/domain-error.js';
import type { SourceRow } from '../application/validate-import.js';
import type { CsvHeader, CsvRecord } from './read-csv.js';

/**
 * Matches a file's header (a CSV's or a worksheet's) to a target's columns (SPEC §6.1): any order; missing or unexpected
 * columns are one 400 on key `file` naming them all and the expected set. With a
 * `fields_mapping` (field → header label) the mapped labels must be present and other columns
 * of the file are ignored. Returns, per file column, the field it feeds (or undefined).
 */
export function mapHeader(
  header: Pick<CsvHeader, 'columns'>,
  columns: readonly string[],
  fieldsMapping?: Record<string, string>,
): Array<string | undefined> {
  const normalise = (label: string) => label.trim().toLowerCase();
  const expected = new Map<string, string>(); // header label → field
  for (const column of columns) {
    const label = fieldsMapping ? fieldsMapping[column] : column;
    if (label !== undefined) expected.set(normalise(label), column);
  }
  const errors: ErrorDetail[] = [];
  const seen = new Set<string>();
  const duplicates = header.columns.filter((c) => (seen.has(c) ? true : (seen.add(c), false)));
  if (duplicates.length > 0)
    errors.push(detail('file', 'duplicate_columns', [...new Set(duplicates)].join(', ')));
  const missing = [...expected.keys()].filter((label) => !seen.has(label));
  const list = (labels: string[]) =>
    labels.length > 20
      ? `${labels.slice(0, 20).join(', ')} … and ${labels.length - 20} more`
      : labels.join(', ');
  if (missing.length > 0) errors.push(detail('file', 'missing_columns', missing.join(', ')));
  const unexpected = fieldsMapping ? [] : header.columns.filter((c) => !expected.has(c));
  if (unexpected.length > 0)
    errors.push(detail('file', 'unexpected_columns', unexpected.join(', ')));
  if (errors.length > 0) {
    const parts = [
      duplicates.length ? `duplicate columns: ${[...new Set(duplicates)].join(', ')}` : '',
      missing.length ? `missing columns: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected columns: ${list(unexpected)}` : '',
      `expected: ${[...expected.keys()].join(', ')}`,
    ];
    throw new InvalidError(errors, parts.filter(Boolean).join('; '));
  }
  return header.columns.map((label) => expected.get(label));
}

/** The file's records as rows of cells keyed by field; a ragged record is an unreadable row. */
export async function* csvRows(
  fieldAt: Array<string | undefined>,
  batches: AsyncIterable<CsvRecord[]>,
): AsyncIterable<SourceRow[]> {
  for await (const batch of batches) {
    const rows = new Array<SourceRow>(batch.length);
    for (let i = 0; i < batch.length; i++) rows[i] = sourceRow(fieldAt, batch[i]);
    yield rows;
  }
}

function sourceRow(fieldAt: Array<string | undefined>, record: CsvRecord): SourceRow {
  const cells: Record<string, string> = {};
  let nul = false;
  const width = Math.min(fieldAt.length, record.cells.length);
  for (let i = 0; i < width; i++) {
    const field = fieldAt[i];
    if (field === undefined) continue;
    const cell = record.cells[i];
    if (cell.includes('\u0000')) {
      nul = true;
      cells[field] = cell.replaceAll('\u0000', '');
    } else {
      cells[field] = cell;
    }
  }
  if (nul) {
    // PostgreSQL text cannot hold NUL: the row is reported, never stored as sent.
    return {
      rowNumber: record.rowNumber,
      cells,
      unreadable: { field: 'row', message: 'invalid_character', values: ['NUL'] },
    };
  }
  if (record.cells.length === fieldAt.length) return { rowNumber: record.rowNumber, cells };
  return {
    rowNumber: record.rowNumber,
    cells,
    unreadable: {
      field: 'row',
      message: 'column_count_mismatch',
      values: [String(fieldAt.length), String(record.cells.length)],
    },
  };
}
