/**
 * The import template as a workbook: one sheet, the header row, and every column of it formatted
 * as text (`@`), so that what a person types keeps its leading zeros (`00123`, `+39 02 …`) and
 * long digit strings (VAT numbers) do not turn into numbers in scientific notation.
 */
import type { Writable } from 'node:stream';

export interface TemplateOptions {
  /** Default `Import`. */
  sheetName?: string;
}

const TEXT_FORMAT = '@';

/**
 * Streams the workbook into `stream` and ends it (exceljs' streaming writer: nothing is buffered
 * beyond the ZIP writer's own chunks). Resolves once the whole file is written.
 */
export async function writeTemplateXlsx(
  columns: readonly string[],
  stream: Writable,
  options: TemplateOptions = {},
): Promise<void> {
  // Loaded on the first template asked for: exceljs costs a server that never serves one ~16 MB
  // of resident memory (measured on Node 24), and only this writer uses it.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet(options.sheetName ?? 'Import', {
    views: [{ state: 'frozen', ySplit: 1 }],
  });
  sheet.columns = columns.map((column) => ({
    key: column,
    width: Math.max(12, column.length + 4),
    style: { numFmt: TEXT_FORMAT },
  }));
  const header = sheet.addRow([...columns]);
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.numFmt = TEXT_FORMAT;
  });
  header.commit();
  await workbook.commit();
}
