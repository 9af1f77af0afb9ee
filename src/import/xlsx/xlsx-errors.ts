/**
 * The errors of the Excel reader, all on key `file` (or `sheet`, the form field naming a sheet),
 * so that a bad workbook reads like a bad CSV: a 400/413/415 envelope with a stable code.
 */
import {
  detail,
  InvalidError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../../shared/domain-error.js';

/** A workbook that cannot be read: truncated or damaged ZIP, malformed XML, missing parts. */
export function invalidXlsx(problem: string, where = ''): InvalidError {
  return new InvalidError(
    [detail('file', 'invalid_xlsx', where)],
    `invalid Excel workbook: ${problem}${where ? ` (${where})` : ''}`,
  );
}

/** What `sniffUpload` recognised but the import does not read. */
export type UnsupportedKind = 'xls' | 'encrypted' | 'ods' | 'xlsb' | 'office_binary' | 'zip';

const UNSUPPORTED_MESSAGES: Record<UnsupportedKind, string> = {
  xls: 'this is a legacy Excel 97-2003 workbook (.xls): save it as .xlsx or CSV and upload it again',
  encrypted: 'the workbook is password-protected: remove the password, save it and upload it again',
  ods: 'this is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV and upload it again',
  xlsb: 'this is a binary Excel workbook (.xlsb): save it as .xlsx or CSV and upload it again',
  office_binary: 'this is an Office document, not a spreadsheet: upload an .xlsx or CSV file',
  zip: 'this is a ZIP archive but not an Excel workbook: upload an .xlsx or CSV file',
};

export function unsupportedFileType(kind: UnsupportedKind): UnsupportedMediaTypeError {
  return new UnsupportedMediaTypeError(
    [detail('file', 'unsupported_file_type', kind)],
    UNSUPPORTED_MESSAGES[kind],
  );
}

/** A zip bomb, or simply a workbook too big to read: its parts expand beyond `limit` bytes. */
export function uncompressedTooLarge(limit: number, what = 'the workbook'): PayloadTooLargeError {
  return new PayloadTooLargeError(
    [detail('file', 'uncompressed_too_large', String(limit))],
    `${what} expands to more than ${limit} bytes when uncompressed`,
  );
}

export function tooManyEntries(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    [detail('file', 'too_many_entries', String(limit))],
    `the workbook is a ZIP archive of more than ${limit} files`,
  );
}

export function sheetNotFound(name: string, available: string[]): InvalidError {
  const list = available.map((sheet) => `"${sheet}"`).join(', ');
  return new InvalidError(
    [detail('sheet', 'sheet_not_found', name)],
    `the workbook has no worksheet named "${name}"; its worksheets are: ${list}`,
  );
}

export function tooManyColumns(limit: number, rowNumber: number, column: string): InvalidError {
  return new InvalidError(
    [detail('file', 'too_many_columns', String(limit))],
    `row ${rowNumber} has a value in column ${column}: at most ${limit} columns are read`,
  );
}
