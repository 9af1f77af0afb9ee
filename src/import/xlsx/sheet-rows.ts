/**
 * Streams the rows of one worksheet part (`<sheetData>`), each cell as the text a person sees
 * (see cell-text.ts). Only non-empty cells are kept, so the dimension a writer declares, empty
 * formatted cells and column definitions up to XFD cost nothing; a value beyond MAX_COLUMNS is
 * refused rather than padded into memory.
 */
import { formatNumber, GENERAL, isoDateText } from './cell-text.js';
import type { Workbook } from './workbook.js';
import { feedXml } from './xml-stream.js';
import { invalidXlsx, tooManyColumns } from './xlsx-errors.js';
import { entryChunks } from './zip-archive.js';

export interface SheetRow {
  /** The sheet's row number (1-based), as Excel shows it. */
  rowNumber: number;
  /** Trimmed non-empty cell texts by column index (0 = column A); the gaps are empty cells. */
  cells: string[];
  /** Number of columns up to the last non-empty cell; 0 for an empty row. */
  width: number;
}

/** Widest row the reader materialises: an import has a few dozen columns. */
export const MAX_COLUMNS = 1024;
/** Excel's own limits: 1,048,576 rows and 16,384 columns (XFD). */
const EXCEL_MAX_ROWS = 1_048_576;
const EXCEL_MAX_COLUMNS = 16_384;
/** Like a CSV record, a row may not hold more text than this (Excel allows 32,767 per cell). */
export const MAX_ROW_CHARS = 1024 * 1024;

interface CellState {
  column: number;
  type: string | undefined;
  style: number;
  value: string | undefined;
  inline: string | undefined;
}

export async function* sheetRows(book: Workbook): AsyncGenerator<SheetRow> {
  const part = book.sheet.name;
  const done: SheetRow[] = [];
  let inSheetData = false;
  let row: SheetRow | undefined;
  let rowChars = 0;
  let previousRow = 0;
  let previousColumn = 0;
  let cell: CellState | undefined;
  let capture: 'value' | 'inline' | undefined;
  let inInline = false;
  let inPhonetic = false;

  const where = () => `row ${row?.rowNumber ?? previousRow + 1}`;
  const finishCell = (state: CellState) => {
    const text = cellText(book, state, where).trim();
    if (text === '') return;
    if (state.column > MAX_COLUMNS) {
      throw tooManyColumns(MAX_COLUMNS, row!.rowNumber, columnLetters(state.column));
    }
    rowChars += text.length;
    if (rowChars > MAX_ROW_CHARS) {
      throw invalidXlsx(`a row longer than ${MAX_ROW_CHARS} characters`, where());
    }
    row!.cells[state.column - 1] = text;
    if (state.column > row!.width) row!.width = state.column;
  };

  const parse = feedXml(
    entryChunks(book.archive, book.sheet),
    {
      open(name, attributes) {
        if (name === 'sheetData') {
          inSheetData = true;
        } else if (name === 'row' && inSheetData) {
          const rowNumber = attributes.r === undefined ? previousRow + 1 : Number(attributes.r);
          if (!Number.isInteger(rowNumber) || rowNumber < 1 || rowNumber > EXCEL_MAX_ROWS) {
            throw invalidXlsx(`a row number "${attributes.r}"`, part);
          }
          row = { rowNumber, cells: [], width: 0 };
          rowChars = 0;
          previousColumn = 0;
        } else if (name === 'c' && row) {
          const column =
            attributes.r === undefined ? previousColumn + 1 : columnOf(attributes.r, where);
          cell = {
            column,
            type: attributes.t,
            style: attributes.s === undefined ? 0 : Number(attributes.s),
            value: undefined,
            inline: undefined,
          };
        } else if (cell) {
          if (name === 'v') {
            capture = 'value';
            cell.value = '';
          } else if (name === 'is') {
            inInline = true;
            cell.inline = '';
          } else if (name === 'rPh') {
            inPhonetic = true;
          } else if (name === 't' && inInline && !inPhonetic) {
            capture = 'inline';
          }
        }
      },
      text(text) {
        if (!cell || !capture) return;
        if (capture === 'value') cell.value += text;
        else cell.inline += text;
        const length = capture === 'value' ? cell.value!.length : cell.inline!.length;
        if (length > MAX_ROW_CHARS) {
          throw invalidXlsx(`a cell longer than ${MAX_ROW_CHARS} characters`, where());
        }
      },
      close(name) {
        if (name === 'v' || name === 't') {
          capture = undefined;
        } else if (name === 'rPh') {
          inPhonetic = false;
        } else if (name === 'is') {
          inInline = false;
        } else if (name === 'c' && cell) {
          finishCell(cell);
          previousColumn = cell.column;
          cell = undefined;
        } else if (name === 'row' && row) {
          done.push(row);
          previousRow = row.rowNumber;
          row = undefined;
        } else if (name === 'sheetData') {
          inSheetData = false;
        }
      },
    },
    part,
  );
  for await (const _ of parse) {
    // The handlers ran for one chunk: hand on the rows it completed.
    for (const completed of done) yield completed;
    done.length = 0;
  }
  for (const completed of done) yield completed;
}

/** The text of a finished cell, by its type (ECMA-376 §18.18.11). */
function cellText(book: Workbook, cell: CellState, where: () => string): string {
  const value = cell.value;
  switch (cell.type) {
    case 's': {
      if (value === undefined || value.trim() === '') return '';
      const index = Number(value);
      const text = Number.isInteger(index) ? book.sharedStrings[index] : undefined;
      if (text === undefined) throw invalidXlsx('a reference to a missing shared string', where());
      return text;
    }
    case 'inlineStr':
      return cell.inline ?? value ?? '';
    case 'str': // a formula's text result
    case 'e': // an error, as Excel shows it: #N/A, #DIV/0!
      return value ?? '';
    case 'b':
      return value === undefined || value === '' ? '' : Number(value) !== 0 ? 'TRUE' : 'FALSE';
    case 'd':
      return value === undefined ? '' : isoDateText(value);
    default: // 'n' or none: a number, perhaps shown as a date
      if (value === undefined || value.trim() === '') return '';
      return formatNumber(value, book.formats[cell.style] ?? GENERAL, book.date1904);
  }
}

function columnOf(reference: string, where: () => string): number {
  const match = /^([A-Za-z]{1,3})\d*$/.exec(reference);
  let column = 0;
  if (match)
    for (const letter of match[1].toUpperCase()) column = column * 26 + letter.charCodeAt(0) - 64;
  if (column < 1 || column > EXCEL_MAX_COLUMNS) {
    throw invalidXlsx(`a cell reference "${reference}"`, where());
  }
  return column;
}

/** 1 → A, 27 → AA, 16384 → XFD. */
export function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}
