import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { CUSTOMER_IMPORT_COLUMNS } from '../../modules/customers/domain/customer.js';
import { DomainError, InvalidError } from '../../shared/domain-error.js';
import { csvRows, mapHeader } from '../csv/csv-source.js';
import { openCsv } from '../csv/read-csv.js';
import type { CsvRecord } from '../csv/read-csv.js';
import { openXlsx, type XlsxReadOptions } from './read-xlsx.js';
import { MAX_SHARED_STRINGS_BYTES } from './workbook.js';
import {
  deflateRepeated,
  descriptorsOn,
  entriesOf,
  inline,
  num,
  row,
  workbook,
  worksheetXml,
  xlsxFixture,
  zip,
  type WorkbookSpec,
} from './xlsx.spec-helper.js';

let dir: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'read-xlsx-')));
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function temp(content: Buffer | string, extension = 'xlsx'): Promise<string> {
  const path = join(dir, `f${++fileCount}.${extension}`);
  await writeFile(path, content);
  return path;
}
const book = (spec: WorkbookSpec) => temp(workbook(spec));
const oneSheet = (rows: string, extra: Partial<WorkbookSpec> = {}) =>
  book({ sheets: [{ name: 'Sheet1', xml: rows }], ...extra });

const LIMITS = { maxRows: 100_000, maxUncompressedBytes: 500 * 1024 * 1024, maxEntries: 1000 };

async function readAll(path: string, options: Partial<XlsxReadOptions> = {}) {
  const { header, batches } = await openXlsx(path, { ...LIMITS, ...options });
  const records: CsvRecord[] = [];
  const batchSizes: number[] = [];
  for await (const batch of batches) {
    batchSizes.push(batch.length);
    records.push(...batch);
  }
  return { header, records, batchSizes };
}

/** The DomainError the promise rejects with (fails the test if it resolves or throws another). */
async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}
const firstCode = (error: DomainError) => error.errors[0]?.message;

const CUSTOMER_COLUMNS = [...CUSTOMER_IMPORT_COLUMNS];

describe('workbooks saved by LibreOffice', () => {
  test('cell-types: every cell as a person sees it', async () => {
    const { header, records } = await readAll(xlsxFixture('cell-types.xlsx'));
    expect(header).toEqual({ columns: ['case', 'value'], sheet: 'Types' });
    expect(Object.fromEntries(records.map((r) => [r.cells[0], r.cells[1]]))).toEqual({
      text_leading_zeros: '00123',
      integer: '42',
      negative_integer: '-7',
      // LibreOffice stores 15 significant digits, 1.23456789012346E+017: all of them, no exponent.
      big_integer: '123456789012346000',
      decimal: '1234.5',
      small_decimal: '0.000123',
      percent: '0.25',
      zero_padded_number: '00123',
      date: '2024-03-05',
      date_time: '2024-03-05T14:30:00',
      time: '14:30:00',
      boolean: 'FALSE',
      formula_number: '42',
      formula_text: 'Beta GmbH',
      formula_boolean: 'TRUE',
      formula_error: '#N/A',
      formula_date: '2024-03-06',
      rich_text: 'Rossi Costruzioni',
      hyperlink: 'example.com',
      padded_text: 'padded',
      unicode: 'Müller – Ñandú €',
      after_empty_row: 'x',
    });
    expect(records.map((r) => r.rowNumber)).toEqual(
      [...Array(21).keys()].map((i) => i + 2).concat(24),
    );
  });

  test('customers-types: the customers columns, Excel row numbers, the empty row skipped', async () => {
    const { header, records } = await readAll(xlsxFixture('customers-types.xlsx'));
    expect(header).toEqual({ columns: CUSTOMER_COLUMNS, sheet: 'Customers' });
    expect(records.map((r) => r.rowNumber)).toEqual([2, 4, 5, 6]);
    expect(records.map((r) => r.cells)).toEqual([
      [
        'Rossi Costruzioni S.r.l.',
        '42',
        '00123456789',
        'Via Roma 12',
        'Milano',
        'Mario Rossi',
        'mario.rossi@rossicostruzioni.it',
        '+39 02 1234567',
        'it',
        '2024-03-05',
      ],
      [
        'Bianchi & Figli S.p.A.',
        '1234.5',
        '1234567890123',
        'Corso Vittorio Emanuele 45',
        'Torino',
        'Laura Bianchi',
        'laura@bianchifigli.it',
        '+39 011 7654321',
        'it',
        '2024-03-05T14:30:00',
      ],
      [
        'Green Leaf Ltd',
        '42',
        'GB123456789',
        '10 Downing Road',
        'London',
        'John Smith',
        'john.smith@greenleaf.co.uk',
        '+44 20 7946 0958',
        'en',
        '2024-03-06',
      ],
      [
        'Verdi Logistica S.r.l.',
        '0.1',
        '00987654321',
        'Via Garibaldi 3',
        'Bologna',
        'Anna Verdi',
        'anna.verdi@verdilogistica.it',
        '+39 051 998877',
        'it',
        'Pagamento a 60 giorni',
      ],
    ]);
  });

  test('customers-two-sheets: the first sheet by default', async () => {
    const { header, records } = await readAll(xlsxFixture('customers-two-sheets.xlsx'));
    expect(header.sheet).toBe('Instructions');
    expect(header.columns).toEqual(['fill in the sheet "customers", one company per row.']);
    expect(records.map((r) => r.rowNumber)).toEqual([2]);
  });

  test.each(['Customers', 'customers', '  Customers '])(
    'customers-two-sheets: the sheet named %j; header on row 3, data rows 4, 5, 7',
    async (sheet) => {
      const { header, records } = await readAll(xlsxFixture('customers-two-sheets.xlsx'), {
        sheet,
      });
      expect(header).toEqual({ columns: CUSTOMER_COLUMNS, sheet: 'Customers' });
      expect(records.map((r) => [r.rowNumber, r.cells[0], r.cells[2]])).toEqual([
        [4, 'Rossi Costruzioni S.r.l.', '00123456789'],
        [5, 'Green Leaf Ltd', 'GB123456789'],
        [7, 'Verdi Logistica S.r.l.', '00987654321'],
      ]);
    },
  );

  test('an unknown sheet name: 400 sheet_not_found on key sheet, listing the worksheets', async () => {
    const error = await rejection(
      openXlsx(xlsxFixture('customers-two-sheets.xlsx'), { ...LIMITS, sheet: 'Clients' }),
    );
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([{ key: 'sheet', message: 'sheet_not_found', value: 'Clients' }]);
    expect(error.message).toBe(
      'the workbook has no worksheet named "Clients"; its worksheets are: "Instructions", "Customers"',
    );
  });

  test('the same file under any name reads the same (content decides, not the extension)', async () => {
    const renamed = join(dir, 'customers.csv');
    await copyFile(xlsxFixture('customers-types.xlsx'), renamed);
    const { records } = await readAll(renamed);
    expect(records.map((r) => r.rowNumber)).toEqual([2, 4, 5, 6]);
  });
});

describe('workbooks written by exceljs', () => {
  async function written(useSharedStrings: boolean): Promise<string> {
    const path = join(dir, `exceljs-${useSharedStrings}-${++fileCount}.xlsx`);
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
      filename: path,
      useStyles: true,
      useSharedStrings,
    });
    const sheet = wb.addWorksheet('Clients');
    sheet.addRow(['Case', 'Value']).commit();
    const cases: Array<[string, ExcelJS.CellValue, string?]> = [
      ['text', '00123'],
      ['integer', 42],
      ['decimal', 1234.5],
      ['float_noise', 0.1 + 0.2],
      // 12345678901234567890 as a double: exceljs writes 12345678901234567000.
      ['big_integer', 1.2345678901234567e19],
      ['huge', 1e21],
      ['tiny', 1e-7],
      ['date', new Date(Date.UTC(2024, 2, 5))],
      ['date_time', new Date(Date.UTC(2024, 2, 5, 14, 30, 15))],
      ['formula', { formula: 'B3*2', result: 84 }],
      ['formula_text', { formula: 'UPPER("a")', result: 'A' }],
      ['formula_without_result', { formula: 'B3*2' } as ExcelJS.CellFormulaValue],
      ['rich_text', { richText: [{ text: 'Ro', font: { bold: true } }, { text: 'ssi' }] }],
      ['hyperlink', { text: 'example.com', hyperlink: 'https://example.com' }],
      ['error', { error: '#DIV/0!' } as ExcelJS.CellErrorValue],
      ['true', true],
      ['false', false],
      ['date_formatted_number', 45356, 'dd/mm/yyyy'],
      ['zero_padded', 123, '00000'],
    ];
    for (const [name, value, numFmt] of cases) {
      const added = sheet.addRow([name, value]);
      if (numFmt) added.getCell(2).numFmt = numFmt;
      added.commit();
    }
    await wb.commit();
    return path;
  }

  test.each([false, true])('useSharedStrings %s', async (useSharedStrings) => {
    const { header, records } = await readAll(await written(useSharedStrings));
    expect(header).toEqual({ columns: ['case', 'value'], sheet: 'Clients' });
    expect(Object.fromEntries(records.map((r) => [r.cells[0], r.cells[1]]))).toEqual({
      text: '00123',
      integer: '42',
      decimal: '1234.5',
      float_noise: '0.30000000000000004',
      big_integer: '12345678901234567000',
      huge: '1000000000000000000000',
      tiny: '0.0000001',
      date: '2024-03-05',
      date_time: '2024-03-05T14:30:15',
      formula: '84',
      formula_text: 'A',
      formula_without_result: '',
      rich_text: 'Rossi',
      hyperlink: 'example.com',
      error: '#DIV/0!',
      true: 'TRUE',
      false: 'FALSE',
      date_formatted_number: '2024-03-05',
      zero_padded: '00123',
    });
  });
});

describe('header, rows and cells', () => {
  test('the header is the first non-empty row, trimmed and lower-cased; rows keep their number', async () => {
    const path = await oneSheet(
      row(2) + // an empty row element
        row(3, inline('A3', '  Name '), inline('B3', 'CODE')) +
        row(4, inline('A4', 'a'), inline('B4', '1')) +
        row(5, inline('A5', '   ')) + // blank after trimming: skipped
        row(9, inline('A9', 'b')),
    );
    const { header, records } = await readAll(path);
    expect(header.columns).toEqual(['name', 'code']);
    expect(records).toEqual([
      { rowNumber: 4, cells: ['a', '1'] },
      { rowNumber: 9, cells: ['b', ''] },
    ]);
  });

  test('a header with an empty cell keeps its place: columns stay aligned', async () => {
    const path = await oneSheet(
      row(1, inline('A1', 'a'), inline('C1', 'c')) + row(2, inline('A2', '1'), inline('C2', '3')),
    );
    const { header, records } = await readAll(path);
    expect(header.columns).toEqual(['a', '', 'c']);
    expect(records[0].cells).toEqual(['1', '', '3']);
  });

  test('values right of the header make a longer record: column_count_mismatch, like a ragged CSV', async () => {
    const path = await oneSheet(
      row(1, inline('A1', 'name'), inline('B1', 'code')) +
        row(2, inline('A2', 'a')) +
        row(3, inline('A3', 'b'), inline('B3', '2'), inline('D3', 'stray')) +
        // Formatted but empty cells far right do not count.
        row(4, inline('A4', 'c'), '<c r="Z4" s="0"/>', '<c r="XFD4"><v></v></c>'),
    );
    const { header, batches } = await openXlsx(path, LIMITS);
    expect(header.columns).toEqual(['name', 'code']);
    const fieldAt = mapHeader(header, ['name', 'code']);
    const rows = [];
    for await (const batch of csvRows(fieldAt, batches)) rows.push(...batch);
    expect(rows).toEqual([
      { rowNumber: 2, cells: { name: 'a', code: '' } },
      {
        rowNumber: 3,
        cells: { name: 'b', code: '2' },
        unreadable: { field: 'row', message: 'column_count_mismatch', values: ['2', '4'] },
      },
      { rowNumber: 4, cells: { name: 'c', code: '' } },
    ]);
  });

  test('cells and rows without references follow the previous ones', async () => {
    const path = await oneSheet(
      '<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c></row>' +
        '<row><c><v>1</v></c><c r="B2"><v>2</v></c></row>' +
        '<row r="5"><c r="B5"><v>3</v></c><c><v>4</v></c></row>',
    );
    const { records } = await readAll(path);
    expect(records).toEqual([
      { rowNumber: 2, cells: ['1', '2'] },
      { rowNumber: 5, cells: ['', '3', '4'] },
    ]);
  });

  test('a namespace prefix on the elements (x:row, x:c) is read the same', async () => {
    const xml =
      '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>' +
      '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>id</x:t></x:is></x:c></x:row>' +
      '<x:row r="2"><x:c r="A2"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>';
    const { header, records } = await readAll(await oneSheet(xml));
    expect(header.columns).toEqual(['id']);
    expect(records).toEqual([{ rowNumber: 2, cells: ['7'] }]);
  });

  test('shared and inline rich text are plain text; phonetic guides are left out', async () => {
    const path = await oneSheet(
      row(1, inline('A1', 'shared'), inline('B1', 'inline')) +
        row(
          2,
          '<c r="A2" t="s"><v>0</v></c>',
          '<c r="B2" t="inlineStr"><is><r><rPr><b/></rPr><t>Ro</t></r><r><t xml:space="preserve">ssi &amp; Co</t></r></is></c>',
        ) +
        row(3, '<c r="A3" t="s"><v>1</v></c>', inline('B3', '<![CDATA[<b>]]>')),
      {
        sharedStrings: [
          '<r><t>Bian</t></r><r><rPr><i/></rPr><t>chi</t></r>',
          '<t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh>',
        ],
      },
    );
    const { records } = await readAll(path);
    expect(records.map((r) => r.cells)).toEqual([
      ['Bianchi', 'Rossi & Co'],
      ['東京', '<b>'],
    ]);
  });

  test.each([
    ['a built-in date format (14)', 14, undefined, '45356', '2024-03-05'],
    ['a built-in time format (20)', 20, undefined, '0.5', '12:00:00'],
    ['a custom dd/mm/yyyy', 164, 'dd/mm/yyyy', '45356.75', '2024-03-05T18:00:00'],
    ['a locale-tagged long date', 164, '[$-409]mmmm d, yyyy;@', '45356', '2024-03-05'],
    ['an elapsed time [h]:mm stays a number', 164, '[h]:mm', '1.5', '1.5'],
    ['a currency format stays a number', 164, '#,##0.00 "€"', '1234.5', '1234.5'],
    ['a percent stays a number', 9, undefined, '0.125', '0.125'],
    ['a zero-padded format', 164, '0000000000', '12345', '0000012345'],
    ['a zero-padded format leaves decimals alone', 164, '00000', '12.5', '12.5'],
    ['a text format (@) keeps the number', 49, undefined, '42', '42'],
    ['a date format on a negative number', 14, undefined, '-1', '-1'],
  ])('%s', async (_name, id, code, value, expected) => {
    const path = await oneSheet(row(1, inline('A1', 'v')) + row(2, num('A2', value, 1)), {
      numFmts: code === undefined ? {} : { [id]: code },
      cellStyles: [0, id],
    });
    const { records } = await readAll(path);
    expect(records[0].cells).toEqual([expected]);
  });

  test('the 1904 date system', async () => {
    const path = await oneSheet(row(1, inline('A1', 'd')) + row(2, num('A2', '43894', 1)), {
      cellStyles: [0, 14],
      date1904: true,
    });
    expect((await readAll(path)).records[0].cells).toEqual(['2024-03-05']);
  });

  test('ISO date cells (t="d"), booleans, errors, formula results', async () => {
    const path = await oneSheet(
      row(1, inline('A1', 'a'), inline('B1', 'b'), inline('C1', 'c'), inline('D1', 'd')) +
        row(
          2,
          '<c r="A2" t="d"><v>2024-03-05T00:00:00Z</v></c>',
          '<c r="B2" t="d"><v>2024-03-05T09:15:00</v></c>',
          '<c r="C2" t="b"><f>1&gt;0</f><v>1</v></c>',
          '<c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
        ) +
        row(
          3,
          '<c r="A3" t="str"><f>A2&amp;"x"</f><v>ax</v></c>',
          '<c r="B3"><f>2*21</f><v>42</v></c>',
          '<c r="C3" t="b"><v>0</v></c>',
          '<c r="D3"><f>NOW()</f></c>', // no cached value: empty
        ),
    );
    expect((await readAll(path)).records.map((r) => r.cells)).toEqual([
      ['2024-03-05', '2024-03-05T09:15:00', 'TRUE', '#DIV/0!'],
      ['ax', '42', 'FALSE', ''],
    ]);
  });

  test('a hidden first sheet is passed over by default, and can still be named', async () => {
    const spec: WorkbookSpec = {
      sheets: [
        {
          name: 'Lists',
          hidden: true,
          xml: row(1, inline('A1', 'hidden')) + row(2, num('A2', '1')),
        },
        { name: 'Data', xml: row(1, inline('A1', 'visible')) + row(2, num('A2', '2')) },
      ],
    };
    expect((await readAll(await book(spec))).header).toEqual({
      columns: ['visible'],
      sheet: 'Data',
    });
    expect((await readAll(await book(spec), { sheet: 'Lists' })).header).toEqual({
      columns: ['hidden'],
      sheet: 'Lists',
    });
  });

  test('a shared-string cell without an index is an empty cell, not string 0', async () => {
    const path = await oneSheet(
      row(1, inline('A1', 'a'), inline('B1', 'b')) +
        row(2, '<c r="A2" t="s"><v></v></c>', '<c r="B2" t="s"/>') +
        row(3, '<c r="A3" t="s"><v>0</v></c>'),
      { sharedStrings: ['zero'] },
    );
    expect((await readAll(path)).records).toEqual([{ rowNumber: 3, cells: ['zero', ''] }]);
  });
});

describe('the same errors as CSV for the file as a whole', () => {
  async function bothFail(xlsxRows: string, csv: string, options: { maxRows?: number } = {}) {
    const xlsx = await rejection(readAll(await oneSheet(xlsxRows), options));
    const csvError = await rejection(
      (async () => {
        const { batches } = await openCsv(await temp(csv, 'csv'), { maxRows: 100_000, ...options });
        for await (const _ of batches);
      })(),
    );
    expect(xlsx).toBeInstanceOf(InvalidError);
    expect({ status: xlsx.status, message: xlsx.message, errors: xlsx.errors }).toEqual({
      status: csvError.status,
      message: csvError.message,
      errors: csvError.errors,
    });
    return xlsx;
  }

  test('an empty sheet: file_empty', async () => {
    const error = await bothFail(row(1) + row(2, inline('A2', ' ')), '');
    expect(firstCode(error)).toBe('file_empty');
  });

  test('a header and no data rows: no_data_rows', async () => {
    const error = await bothFail(row(3, inline('A3', 'id')) + row(4), 'id\n\n');
    expect(firstCode(error)).toBe('no_data_rows');
  });

  test('one row more than maxRows: too_many_rows (from the batches)', async () => {
    const rows = [row(1, inline('A1', 'id')), row(2, num('A2', '1')), row(3, num('A3', '2'))];
    const error = await bothFail(rows.join(''), 'id\n1\n2\n', { maxRows: 1 });
    expect(error.errors).toEqual([{ key: 'file', message: 'too_many_rows', value: '1' }]);
  });

  test('maxRows 0 refuses any data row', async () => {
    const error = await bothFail(row(1, inline('A1', 'id')) + row(2, num('A2', '1')), 'id\n1\n', {
      maxRows: 0,
    });
    expect(firstCode(error)).toBe('too_many_rows');
  });
});

describe('batches', () => {
  const numbered = (rows: number) => {
    const parts = [row(1, inline('A1', 'id'), inline('B1', 'code'))];
    for (let i = 2; i <= rows + 1; i++) {
      parts.push(
        row(i, num(`A${i}`, String(i - 1)), inline(`B${i}`, String(i - 1).padStart(6, '0'))),
      );
    }
    return parts.join('');
  };

  test('2,500 rows in batches of 1000 by default; batchSize respected; re-iterable', async () => {
    const path = await oneSheet(numbered(2500));
    const all = await readAll(path);
    expect(all.batchSizes).toEqual([1000, 1000, 500]);
    expect(all.records[2499]).toEqual({ rowNumber: 2501, cells: ['2500', '002500'] });
    expect((await readAll(path, { batchSize: 700 })).batchSizes).toEqual([700, 700, 700, 400]);
    const { batches } = await openXlsx(path, LIMITS);
    let total = 0;
    for (let pass = 0; pass < 2; pass++) for await (const batch of batches) total += batch.length;
    expect(total).toBe(5000);
  });

  test('exactly maxRows rows pass', async () => {
    expect((await readAll(await oneSheet(numbered(50)), { maxRows: 50 })).records).toHaveLength(50);
  });

  test('the file is open only while iterating: closed after a break and after a throw', async () => {
    // Incompressible cells (~1 MB deflated), so the 64 KB read stream cannot have reached the end
    // of the file, and closed it by itself, when the first batch arrives.
    const parts = [row(1, inline('A1', 'id'), inline('B1', 'noise'))];
    for (let i = 2; i <= 3001; i++) {
      parts.push(
        row(i, num(`A${i}`, String(i - 1)), inline(`B${i}`, randomBytes(250).toString('base64'))),
      );
    }
    const path = await oneSheet(parts.join(''));
    const { batches } = await openXlsx(path, LIMITS);
    expect(await descriptorsOn(path)).toBe(0);
    for await (const batch of batches) {
      expect(batch).toHaveLength(1000);
      expect(await descriptorsOn(path, 1)).toBe(1);
      break;
    }
    expect(await descriptorsOn(path)).toBe(0);
    await expect(
      (async () => {
        for await (const _ of batches) throw new Error('consumer failed');
      })(),
    ).rejects.toThrow('consumer failed');
    expect(await descriptorsOn(path)).toBe(0);
  });

  test.each([
    ['a RangeError for maxRows -1', { maxRows: -1 }],
    ['a RangeError for batchSize 0', { batchSize: 0 }],
  ])('%s', async (_name, options) => {
    await expect(
      openXlsx(xlsxFixture('customers-types.xlsx'), { ...LIMITS, ...options }),
    ).rejects.toThrow(RangeError);
  });
});

describe('zip bombs and absurd sizes stay bounded', () => {
  /** 200 MB of rows of one inline cell, deflated to a few hundred KB. */
  let bomb: { bytes: Buffer; size: number; crc: number };
  beforeAll(async () => {
    bomb = await deflateRepeated(
      worksheetXml('').replace('</sheetData></worksheet>', row(1, inline('A1', 'id'))),
      '<row><c t="inlineStr"><is><t>x</t></is></c></row>'.repeat(1000),
      4200,
      '</sheetData></worksheet>',
    );
    expect(bomb.size).toBeGreaterThan(200_000_000);
    expect(bomb.bytes.length).toBeLessThan(2_000_000);
  });

  const bombBook = (declaredSize?: number) =>
    book({ sheets: [{ name: 'Sheet1', xml: '', compressed: bomb, declaredSize }] });

  test('its declared size beyond maxUncompressedBytes: 413 uncompressed_too_large, nothing inflated', async () => {
    const path = await bombBook();
    const started = Date.now();
    const error = await rejection(openXlsx(path, { ...LIMITS, maxUncompressedBytes: 50_000_000 }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.status).toBe(413);
    expect(error.errors).toEqual([
      { key: 'file', message: 'uncompressed_too_large', value: '50000000' },
    ]);
  });

  test('a bomb that lies about its size is stopped at the declared size: invalid_xlsx', async () => {
    const path = await bombBook(10_000);
    const started = Date.now();
    const error = await rejection(openXlsx(path, LIMITS));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([
      { key: 'file', message: 'invalid_xlsx', value: 'xl/worksheets/sheet1.xml' },
    ]);
  });

  test('a bomb within the limits streams in bounded memory until too_many_rows', async () => {
    const path = await bombBook();
    const before = process.memoryUsage().rss;
    let peak = before;
    const error = await rejection(
      (async () => {
        const { batches } = await openXlsx(path, { ...LIMITS, maxRows: 300_000 });
        for await (const _ of batches) peak = Math.max(peak, process.memoryUsage().rss);
      })(),
    );
    expect(firstCode(error)).toBe('too_many_rows');
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });

  test('more ZIP entries than maxEntries: 413 too_many_entries', async () => {
    const extra = Array.from({ length: 30 }, (_, i) => ({ name: `xl/media/f${i}.txt`, data: 'x' }));
    const path = await book({ sheets: [{ name: 'S', xml: row(1, inline('A1', 'a')) }], extra });
    const error = await rejection(openXlsx(path, { ...LIMITS, maxEntries: 20 }));
    expect(error.status).toBe(413);
    expect(error.errors).toEqual([{ key: 'file', message: 'too_many_entries', value: '20' }]);
  });

  test('a shared strings table too large to hold in memory: 413', async () => {
    const path = await temp(
      zip([
        ...entriesOf(workbook({ sheets: [{ name: 'S', xml: row(1, inline('A1', 'a')) }] })).map(
          (entry) =>
            entry.name === 'xl/sharedStrings.xml'
              ? { ...entry, declaredSize: MAX_SHARED_STRINGS_BYTES + 1 }
              : entry,
        ),
      ]),
    );
    const error = await rejection(openXlsx(path, { ...LIMITS, maxUncompressedBytes: 2 ** 31 }));
    expect(error.status).toBe(413);
    expect(error.message).toMatch(/shared strings/);
  });

  test('a dimension of A1:XFD1048576 and formatted cells up to XFD cost nothing', async () => {
    const rows = [row(1, inline('A1', 'a'), '<c r="XFD1" s="0"/>')];
    for (let r = 2; r <= 500; r++)
      rows.push(row(r, num(`A${r}`, String(r)), `<c r="XFD${r}" s="0"/>`));
    const xml =
      '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
      '<dimension ref="A1:XFD1048576"/><cols><col min="1" max="16384" width="9"/></cols>' +
      `<sheetData>${rows.join('')}</sheetData></worksheet>`;
    const { header, records } = await readAll(await oneSheet(xml));
    expect(header.columns).toEqual(['a']);
    expect(records).toHaveLength(499);
    expect(records.every((r) => r.cells.length === 1)).toBe(true);
  });

  test('a value in column 1024 (AMJ) is read; one in column XFD is refused: too_many_columns', async () => {
    const ok = await readAll(
      await oneSheet(row(1, inline('A1', 'a')) + row(2, inline('AMJ2', 'far'))),
    );
    expect(ok.records[0].cells).toHaveLength(1024);
    expect(ok.records[0].cells[1023]).toBe('far');
    const error = await rejection(
      readAll(
        await oneSheet(
          row(1, inline('A1', 'a')) + row(2, num('A2', '1')) + row(3, inline('XFD3', 'x')),
        ),
      ),
    );
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([{ key: 'file', message: 'too_many_columns', value: '1024' }]);
    expect(error.message).toBe('row 3 has a value in column XFD: at most 1024 columns are read');
  });

  test('a row of more than 1 MiB of text: invalid_xlsx naming the row', async () => {
    const big = 'x'.repeat(600_000);
    const path = await oneSheet(
      row(1, inline('A1', 'a'), inline('B1', 'b')) + row(2, inline('A2', big), inline('B2', big)),
    );
    const error = await rejection(readAll(path));
    expect(error.errors).toEqual([{ key: 'file', message: 'invalid_xlsx', value: 'row 2' }]);
  });
});

describe('corrupt workbooks: 400 invalid_xlsx, never another error', () => {
  const header = row(1, inline('A1', 'a'));

  async function invalidXlsx(path: string): Promise<DomainError> {
    const error = await rejection(readAll(path));
    expect(error.status).toBe(400);
    expect(firstCode(error)).toBe('invalid_xlsx');
    return error;
  }

  test('a truncated file (LibreOffice-saved, cut in half)', async () => {
    const error = await invalidXlsx(xlsxFixture('customers-truncated.xlsx'));
    expect(error.message).toMatch(/truncated/);
  });

  test('a CSV is not a workbook', async () => {
    await invalidXlsx(await temp('id,name\n1,a\n', 'csv'));
  });

  test('malformed XML in the worksheet names the part', async () => {
    const error = await invalidXlsx(await oneSheet(header + '<row r="2"><c r="A2"><v>1</v></row>'));
    expect(error.errors[0].value).toBe('xl/worksheets/sheet1.xml');
    expect(error.message).toMatch(/^invalid Excel workbook: malformed XML/);
  });

  test('malformed XML in the workbook part', async () => {
    const entries = entriesOf(workbook({ sheets: [{ name: 'S', xml: header }] })).map((entry) =>
      entry.name === 'xl/workbook.xml'
        ? { ...entry, data: '<workbook><sheets><sheet name="S"' }
        : entry,
    );
    const error = await invalidXlsx(await temp(zip(entries)));
    expect(error.errors[0].value).toBe('xl/workbook.xml');
  });

  test('garbage instead of deflated data', async () => {
    const garbage = {
      bytes: Buffer.from('this is not deflate data at all'.repeat(20)),
      size: 5000,
      crc: 0,
    };
    await invalidXlsx(await book({ sheets: [{ name: 'S', xml: '', compressed: garbage }] }));
  });

  test('a CRC mismatch', async () => {
    const entries = entriesOf(
      workbook({ sheets: [{ name: 'S', xml: header + row(2, num('A2', '1')) }] }),
    );
    const damaged = entries.map((e) =>
      e.name.startsWith('xl/worksheets/') ? { ...e, crc: 12345 } : e,
    );
    const error = await invalidXlsx(await temp(zip(damaged)));
    expect(error.message).toMatch(/checksum/);
  });

  test('a worksheet part the relationships point to but the ZIP lacks', async () => {
    const entries = entriesOf(workbook({ sheets: [{ name: 'S', xml: header }] })).filter(
      (e) => !e.name.startsWith('xl/worksheets/'),
    );
    const error = await invalidXlsx(await temp(zip(entries)));
    expect(error.message).toMatch(/worksheet "S" is missing/);
  });

  test('a reference to a shared string that does not exist', async () => {
    const error = await invalidXlsx(
      await oneSheet(header + row(2, '<c r="A2" t="s"><v>7</v></c>')),
    );
    expect(error.errors[0].value).toBe('row 2');
  });

  test('damage deep in a big sheet fails the batches iterator, not the process', async () => {
    const rows = '<row><c t="inlineStr"><is><t>some text</t></is></c></row>'.repeat(1000);
    const full = await deflateRepeated(
      worksheetXml('').replace('</sheetData></worksheet>', header),
      rows,
      200,
      '</sheetData></worksheet>',
    );
    const cut = { ...full, bytes: full.bytes.subarray(0, Math.floor(full.bytes.length * 0.8)) };
    const path = await book({ sheets: [{ name: 'S', xml: '', compressed: cut }] });
    const { batches } = await openXlsx(path, { ...LIMITS, maxRows: 1_000_000 });
    let seen = 0;
    const error = await rejection(
      (async () => {
        for await (const batch of batches) seen += batch.length;
      })(),
    );
    expect(seen).toBeGreaterThan(1000);
    expect(firstCode(error)).toBe('invalid_xlsx');
    expect(await descriptorsOn(path)).toBe(0);
  });

  test('no unhandled rejection was left behind by any of the above', async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });
});
