import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createWriteStream } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { DomainError } from '../../shared/domain-error.js';
import { openXlsx } from './read-xlsx.js';
import { sniffUpload } from './sniff-upload.js';
import { writeTemplateXlsx } from './write-template-xlsx.js';

let dir: string;
beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'template-xlsx-')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COLUMNS = ['first_name', 'last_name', 'email', 'phone', 'vat_number'];

async function template(name: string, options?: { sheetName?: string }): Promise<string> {
  const path = join(dir, name);
  await writeTemplateXlsx(COLUMNS, createWriteStream(path), options);
  return path;
}

describe('writeTemplateXlsx', () => {
  test('one sheet, the header row, every column formatted as text', async () => {
    const path = await template('clients.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    expect(book.worksheets.map((sheet) => sheet.name)).toEqual(['Import']);
    const sheet = book.worksheets[0];
    expect(sheet.getRow(1).values).toEqual([undefined, ...COLUMNS]);
    expect(sheet.rowCount).toBe(1);
    for (let column = 1; column <= COLUMNS.length; column++) {
      // The column's own style: what a cell typed below the header takes.
      expect(sheet.getColumn(column).numFmt).toBe('@');
      expect(sheet.getCell(1, column).numFmt).toBe('@');
    }
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  test('the import reads it back: an xlsx whose header is the columns, and no data rows yet', async () => {
    const path = await template('round-trip.xlsx', { sheetName: 'Clients' });
    expect(await sniffUpload(path)).toBe('xlsx');
    const error = await openXlsx(path, {
      maxRows: 10,
      maxUncompressedBytes: 10_000_000,
      maxEntries: 100,
      sheet: 'Clients',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).errors[0].message).toBe('no_data_rows');
  });

  test('rows a person adds under the header are read against those columns', async () => {
    // What a spreadsheet program saves once someone fills the template in: the same workbook
    // with text cells under the text-formatted header.
    const path = await template('filled.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    book.worksheets[0].addRow([
      'Anna',
      'Verdi',
      'anna@example.it',
      '+39 051 998877',
      '00987654321',
    ]);
    const filled = join(dir, 'filled-saved.xlsx');
    await book.xlsx.writeFile(filled);
    const { header, batches } = await openXlsx(filled, {
      maxRows: 10,
      maxUncompressedBytes: 10_000_000,
      maxEntries: 100,
    });
    expect(header).toEqual({ columns: COLUMNS, sheet: 'Import' });
    const records = [];
    for await (const batch of batches) records.push(...batch);
    expect(records).toEqual([
      {
        rowNumber: 2,
        cells: ['Anna', 'Verdi', 'anna@example.it', '+39 051 998877', '00987654321'],
      },
    ]);
  });
});
