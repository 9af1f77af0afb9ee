/**
 * The bench's generated CSV written again as an `.xlsx` workbook with exceljs' streaming writer
 * (never the whole sheet in memory): one worksheet, the CSV's header then its records, every
 * cell a text cell in the shared strings table, as Excel saves text.
 */
import ExcelJS from 'exceljs';
import { openCsv } from '../src/import/csv/read-csv.js';

export interface XlsxFromCsvOptions {
  sheetName: string;
  /** Leave empty cells out, as a spreadsheet program does, instead of writing '' strings. */
  blankEmpty: boolean;
}

export async function csvToXlsx(
  csvPath: string,
  xlsxPath: string,
  options: XlsxFromCsvOptions,
): Promise<void> {
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: xlsxPath,
    useSharedStrings: true,
    useStyles: false,
  });
  const sheet = book.addWorksheet(options.sheetName);
  const { header, batches } = await openCsv(csvPath, { maxRows: Number.MAX_SAFE_INTEGER });
  sheet.addRow(header.columns).commit();
  for await (const batch of batches) {
    for (const record of batch) {
      const cells = options.blankEmpty
        ? record.cells.map((cell) => (cell === '' ? null : cell))
        : record.cells;
      sheet.addRow(cells).commit();
    }
  }
  await book.commit();
}
