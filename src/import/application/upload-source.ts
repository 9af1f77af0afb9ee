import { csvRows, mapHeader } from '../csv/csv-source.js';
import { openCsv } from '../csv/read-csv.js';
import type { ImportTarget } from '../domain/import-target.js';
import { openXlsx } from '../xlsx/read-xlsx.js';
import { sniffUpload, type UploadFormat } from '../xlsx/sniff-upload.js';
import type { SourceRow } from './validate-import.js';

export type { UploadFormat };

/** An uploaded file on this instance's disk. */
export interface UploadedFile {
  path: string;
  bytes: number;
}

/** How much of an upload is read: rows, and for a workbook what its ZIP may expand to. */
export interface UploadLimits {
  maxRows: number;
  batchSize: number;
  /** A workbook's entries may declare at most this many bytes in all (zip bombs → 413). */
  maxUncompressedBytes: number;
  /** A workbook may be a ZIP of at most this many entries (→ 413). */
  maxEntries: number;
}

/** What a validate request chose about reading its file. */
export interface UploadChoices {
  fieldsMapping?: Record<string, string>;
  /** The worksheet of a workbook, by name; ignored for a CSV. */
  sheet?: string;
}

/**
 * What an upload is, by its content, never by its name: `csv` or `xlsx`. A legacy `.xls`, an
 * `.ods`, a password-protected workbook → 415 `unsupported_file_type`; a damaged ZIP → 400
 * `invalid_xlsx`. Reads the file's first bytes and, for a ZIP, its directory only.
 */
export function detectFormat(file: UploadedFile): Promise<UploadFormat> {
  return sniffUpload(file.path);
}

/**
 * An uploaded file — a CSV or an `.xlsx` workbook, told apart by its content — as the target's
 * rows: read as a stream, its header matched to the target's columns (or to `fields_mapping`);
 * problems with the file as a whole or its header are a 400/413/415 before any row is read.
 */
export async function openUpload(
  file: UploadedFile,
  target: ImportTarget<unknown>,
  choices: UploadChoices,
  limits: UploadLimits,
): Promise<{ format: UploadFormat; rows: AsyncIterable<SourceRow[]> }> {
  const format = await detectFormat(file);
  const opened =
    format === 'xlsx'
      ? await openXlsx(file.path, { ...limits, sheet: choices.sheet })
      : await openCsv(file.path, limits);
  const fieldAt = mapHeader(opened.header, target.columns, choices.fieldsMapping);
  return { format, rows: csvRows(fieldAt, opened.batches) };
}
