import { csvRows, mapHeader } from '../csv/csv-source.js';
import { openCsv } from '../csv/read-csv.js';
import type { ImportTarget } from '../domain/import-target.js';
import type { SourceRow } from './validate-import.js';

/** An uploaded file on this instance's disk. */
export interface UploadedFile {
  path: string;
  bytes: number;
}

/**
 * An uploaded file as the target's rows: read as a stream, its header matched to the target's
 * columns (or to `fields_mapping`); header problems are a 400 before any row is read.
 */
export async function openUpload(
  file: UploadedFile,
  target: ImportTarget<unknown>,
  fieldsMapping: Record<string, string> | undefined,
  limits: { maxRows: number; batchSize: number },
): Promise<AsyncIterable<SourceRow[]>> {
  const csv = await openCsv(file.path, limits);
  const fieldAt = mapHeader(csv.header, target.columns, fieldsMapping);
  return csvRows(fieldAt, csv.batches);
}
