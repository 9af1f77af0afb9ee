/**
 * What the file readers of the import (CSV, Excel) share: the checks of their options and the
 * errors about the file as a whole, so that a user reads the same message whatever the format.
 */
import { detail, InvalidError } from '../shared/domain-error.js';
import type { CsvRecord } from './csv/read-csv.js';

/** Records per yielded batch unless the caller says otherwise. */
export const DEFAULT_BATCH_SIZE = 1000;

/** A programming error, not a user's: the engine passes these from its configuration. */
export function checkReadOptions(maxRows: number, batchSize: number): void {
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new RangeError(`maxRows must be a non-negative integer, got ${maxRows}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
}

export function fileEmpty(): InvalidError {
  return new InvalidError([detail('file', 'file_empty', '')], 'the file is empty');
}

export function noDataRows(): InvalidError {
  return new InvalidError(
    [detail('file', 'no_data_rows', '')],
    'the file has a header but no data rows',
  );
}

export function tooManyRows(maxRows: number): InvalidError {
  return new InvalidError(
    [detail('file', 'too_many_rows', String(maxRows))],
    `the file has more than ${maxRows} rows`,
  );
}

/**
 * Groups a file's data records into batches of `batchSize`, throwing `too_many_rows` on record
 * `maxRows + 1` before it is yielded.
 */
export async function* inBatches(
  records: AsyncIterable<CsvRecord>,
  maxRows: number,
  batchSize: number,
): AsyncGenerator<CsvRecord[]> {
  let batch: CsvRecord[] = [];
  let count = 0;
  for await (const record of records) {
    count += 1;
    if (count > maxRows) throw tooManyRows(maxRows);
    batch.push(record);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
