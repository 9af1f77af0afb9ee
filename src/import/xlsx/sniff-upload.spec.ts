import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { copyFile, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError } from '../../shared/domain-error.js';
import { sniffUpload } from './sniff-upload.js';
import {
  compoundFile,
  csvFixture,
  inline,
  row,
  workbook,
  xlsxFixture,
  zip,
} from './xlsx.spec-helper.js';

let dir: string;
beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'sniff-upload-')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function temp(content: Buffer | string, name = `f${++fileCount}.bin`): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function refusal(path: string): Promise<DomainError> {
  const error = await sniffUpload(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('sniffUpload: what is read', () => {
  test.each([
    'customers-valid.csv',
    'customers-bom.csv',
    'customers-utf16.csv',
    'customers-windows1252.csv',
    'customers-empty.csv',
  ])('%s → csv', async (name) => {
    expect(await sniffUpload(csvFixture(name))).toBe('csv');
  });

  test('text that starts with "PK" is still CSV', async () => {
    expect(await sniffUpload(await temp('PK,name\n1,a\n'))).toBe('csv');
  });

  test.each(['cell-types.xlsx', 'customers-types.xlsx', 'customers-two-sheets.xlsx'])(
    '%s (saved by LibreOffice) → xlsx',
    async (name) => {
      expect(await sniffUpload(xlsxFixture(name))).toBe('xlsx');
    },
  );

  test('a workbook uploaded as clients.csv is still a workbook', async () => {
    const path = join(dir, 'clients.csv');
    await copyFile(xlsxFixture('customers-types.xlsx'), path);
    expect(await sniffUpload(path)).toBe('xlsx');
  });

  test('a minimal workbook without a _rels/.rels (xl/workbook.xml found by name) → xlsx', async () => {
    const built = workbook({ sheets: [{ name: 'S', xml: row(1, inline('A1', 'a')) }] });
    expect(await sniffUpload(await temp(built))).toBe('xlsx');
  });
});

describe('sniffUpload: what is refused, and how', () => {
  test.each([
    [
      'customers-types.xls',
      'xls',
      'this is a legacy Excel 97-2003 workbook (.xls): save it as .xlsx or CSV and upload it again',
    ],
    [
      'customers-types.ods',
      'ods',
      'this is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV and upload it again',
    ],
    [
      'customers-password.xlsx',
      'encrypted',
      'the workbook is password-protected: remove the password, save it and upload it again',
    ],
  ])('%s → 415 unsupported_file_type (%s)', async (name, kind, message) => {
    const error = await refusal(xlsxFixture(name));
    expect(error.status).toBe(415);
    expect(error.errors).toEqual([{ key: 'file', message: 'unsupported_file_type', value: kind }]);
    expect(error.message).toBe(message);
  });

  test('a truncated workbook → 400 invalid_xlsx', async () => {
    const error = await refusal(xlsxFixture('customers-truncated.xlsx'));
    expect(error.status).toBe(400);
    expect(error.errors[0].message).toBe('invalid_xlsx');
  });

  test.each([
    ['a plain ZIP archive', zip([{ name: 'notes.txt', data: 'hello' }]), 'zip'],
    [
      'a Word document (OOXML, no workbook)',
      zip([
        { name: '[Content_Types].xml', data: '<Types/>' },
        { name: 'word/document.xml', data: '<document/>' },
      ]),
      'zip',
    ],
    [
      'a binary workbook (.xlsb)',
      zip([
        { name: '[Content_Types].xml', data: '<Types/>' },
        {
          name: '_rels/.rels',
          data: '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        },
        { name: 'xl/workbook.bin', data: Buffer.from([0x83, 0x01, 0x00]) },
      ]),
      'xlsb',
    ],
    [
      'an OpenDocument text (.odt)',
      zip([{ name: 'mimetype', data: 'application/vnd.oasis.opendocument.text', method: 0 }]),
      'zip',
    ],
    [
      'an OLE2 Word document',
      compoundFile(['WordDocument', 'SummaryInformation']),
      'office_binary',
    ],
    ['an OLE2 BIFF5 workbook (stream "Book")', compoundFile(['Book']), 'xls'],
    [
      'an OLE2 encrypted package',
      compoundFile(['EncryptionInfo', 'EncryptedPackage', '\u0006DataSpaces']),
      'encrypted',
    ],
    [
      'a damaged OLE2 file (signature, then garbage)',
      Buffer.concat([compoundFile([]).subarray(0, 8), Buffer.alloc(100, 7)]),
      'xls',
    ],
  ])('%s → 415 (%s)', async (_name, content, kind) => {
    const error = await refusal(await temp(content));
    expect(error.status).toBe(415);
    expect(error.errors).toEqual([{ key: 'file', message: 'unsupported_file_type', value: kind }]);
  });
});
