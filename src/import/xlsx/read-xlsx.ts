/**
 * Streaming `.xlsx` reader of the import engine, the counterpart of `openCsv`: same options,
 * same records, same errors for the header and the row count, so an upload path can take
 * either. The ZIP directory is read first (zip-bomb guards), then the workbook structure, then
 * the chosen worksheet as a stream: memory holds the shared strings table and one batch of rows,
 * never the sheet.
 *
 * Records: the header is the first non-empty row; `rowNumber` is the sheet's row number; empty
 * rows are skipped. Each record has one cell per header column (empty cells are `''`), and more
 * when the row has values to the right of the header, which the engine then reports as
 * `column_count_mismatch` like a ragged CSV line.
 */
import type { CsvHeader, CsvReadOptions, CsvRecord } from '../csv/read-csv.js';
import {
  checkReadOptions,
  DEFAULT_BATCH_SIZE,
  fileEmpty,
  inBatches,
  noDataRows,
  tooManyRows,
} from '../import-file.js';
import { sheetRows, type SheetRow } from './sheet-rows.js';
import { openWorkbook, type Workbook, type WorkbookLimits } from './workbook.js';

export interface XlsxReadOptions extends CsvReadOptions, WorkbookLimits {
  /** The worksheet to read, by name; the first visible worksheet when absent or blank. */
  sheet?: string;
}

export interface XlsxHeader extends Pick<CsvHeader, 'columns'> {
  /** The name of the worksheet read. */
  sheet: string;
}

/**
 * Opens the workbook and reads up to its first data row. Throws `InvalidError` (`file_empty`,
 * `no_data_rows`, `too_many_rows`, `invalid_xlsx`, `sheet_not_found`, `too_many_columns`),
 * `PayloadTooLargeError` (`uncompressed_too_large`, `too_many_entries`) or
 * `UnsupportedMediaTypeError` (`unsupported_file_type`: `.xlsb`, encrypted entries) here, and the
 * same from the `batches` iterator for what shows later in the sheet. `batches` streams the
 * worksheet again on each iteration and releases the file when iteration ends, however it ends;
 * between iterations the result holds no file, only the shared strings table in memory.
 */
export async function openXlsx(
  path: string,
  options: XlsxReadOptions,
): Promise<{ header: XlsxHeader; batches: AsyncIterable<CsvRecord[]> }> {
  const { maxRows } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  checkReadOptions(maxRows, batchSize);

  const sheetName = options.sheet?.trim() || undefined;
  const book = await openWorkbook(path, options, sheetName);
  let headerRow: SheetRow | undefined;
  // The header's index among the sheet's rows in document order (the row numbers of a damaged
  // sheet need not increase, so the data rows are found by position).
  let headerPosition = -1;
  let hasDataRow = false;
  let position = 0;
  for await (const row of sheetRows(book)) {
    position++;
    if (row.width === 0) continue;
    if (!headerRow) {
      headerRow = row;
      headerPosition = position - 1;
      continue;
    }
    hasDataRow = true;
    break;
  }
  if (!headerRow) throw fileEmpty();
  if (!hasDataRow) throw noDataRows();
  if (maxRows < 1) throw tooManyRows(maxRows);

  const width = headerRow.width;
  const header: XlsxHeader = {
    columns: dense(headerRow, width).map((cell) => cell.toLowerCase()),
    sheet: book.sheetName,
  };
  const batches: AsyncIterable<CsvRecord[]> = {
    [Symbol.asyncIterator]: () =>
      inBatches(dataRecords(book, headerPosition, width), maxRows, batchSize),
  };
  return { header, batches };
}

/** The data rows after the header, as records of at least `width` cells. */
async function* dataRecords(
  book: Workbook,
  headerPosition: number,
  width: number,
): AsyncGenerator<CsvRecord> {
  let position = 0;
  for await (const row of sheetRows(book)) {
    if (position++ <= headerPosition || row.width === 0) continue;
    yield { rowNumber: row.rowNumber, cells: dense(row, Math.max(width, row.width)) };
  }
}

/** The row's cells as `width` strings, empty cells as ''. */
function dense(row: SheetRow, width: number): string[] {
  const cells = new Array<string>(width);
  for (let i = 0; i < width; i++) cells[i] = row.cells[i] ?? '';
  return cells;
}
