import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, readlink, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidError } from '../../shared/domain-error.js';
import { isUtf8 } from 'node:buffer';
import { DELIMITERS, parseWithFastCsv, randomCsv, rng } from './csv-differential.spec-helper.js';
import { openCsv, type CsvHeader, type CsvReadOptions, type CsvRecord } from './read-csv.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'read-csv-')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
async function temp(content: string | Buffer): Promise<string> {
  const path = join(dir, `f${++fileCount}.csv`);
  await writeFile(path, content);
  return path;
}

interface ReadResult {
  header: CsvHeader;
  records: CsvRecord[];
  batchSizes: number[];
}

async function readAll(path: string, options: CsvReadOptions = { maxRows: 100_000 }) {
  const { header, batches } = await openCsv(path, options);
  const result: ReadResult = { header, records: [], batchSizes: [] };
  for await (const batch of batches) {
    result.batchSizes.push(batch.length);
    result.records.push(...batch);
  }
  return result;
}

/** Resolves to the InvalidError the promise rejects with (fails the test otherwise). */
async function invalid(promise: Promise<unknown>): Promise<InvalidError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidError);
  return error as InvalidError;
}

const HEADER =
  'company_name,description,vat_number,address,city,main_contact,email,phone,language,notes';
const COLUMNS = HEADER.split(',');

/** `rows` data rows `i,name i,0000i`, optionally followed by `tail`. */
function numbered(rows: number, tail = ''): string {
  const lines = ['id,name,code'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},name ${i},${String(i).padStart(8, '0')}`);
  return `${lines.join('\n')}\n${tail}`;
}

describe('openCsv on the fixtures', () => {
  test.each([
    ['customers-valid.csv', ',', 'utf-8', [2, 3, 4, 5]],
    ['customers-bom.csv', ',', 'utf-8', [2, 3, 4]],
    ['customers-windows1252.csv', ',', 'windows-1252', [2, 3, 4, 5]],
    ['customers-excel-semicolon.csv', ';', 'utf-8', [2, 3, 4]],
    ['customers-utf16.csv', '\t', 'utf-16le', [2, 3, 4]],
    ['customers-ragged.csv', ',', 'utf-8', [2, 3, 4, 5]],
    ['customers-duplicate-vat.csv', ',', 'utf-8', [2, 3, 4, 5]],
    ['customers-mixed.csv', ',', 'utf-8', [2, 3, 4, 5, 6, 7]],
    ['customers-multiline.csv', ',', 'utf-8', [2, 4, 5]],
  ])('%s: delimiter %j, %s, rows %j', async (name, delimiter, encoding, rowNumbers) => {
    const { header, records } = await readAll(fixture(name));
    expect(header).toEqual({ columns: COLUMNS, delimiter, encoding });
    expect(records.map((r) => r.rowNumber)).toEqual(rowNumbers);
  });

  test('customers-valid: quoted comma, leading zeros and phone prefixes kept as strings', async () => {
    const { records } = await readAll(fixture('customers-valid.csv'));
    expect(records.every((r) => r.cells.length === 10)).toBe(true);
    expect(records[0].cells.slice(0, 3)).toEqual([
      'Rossi Costruzioni S.r.l.',
      'Edilizia, ristrutturazioni',
      '00123456789',
    ]);
    expect(records[0].cells[7]).toBe('+39 02 1234567');
    expect(records[2].cells[9]).toBe('Prefers email, never phone');
    expect(records[1].cells[9]).toBe('');
  });

  test('customers-bom: the BOM is not part of the first column nor of the first cell', async () => {
    const { header, records } = await readAll(fixture('customers-bom.csv'));
    expect(header.columns[0]).toBe('company_name');
    expect(records[1].cells[0]).toBe('Müller Maschinenbau GmbH');
    expect(records[1].cells[4]).toBe('München');
  });

  test('customers-windows1252: accents and 0x80–0x9F characters decoded', async () => {
    const { records } = await readAll(fixture('customers-windows1252.csv'));
    expect(records.map((r) => [r.cells[0], r.cells[4]])).toEqual([
      ['Café Rénové S.a.r.l.', 'Nîmes'],
      ['Società Agricola Città Bella', 'Forlì'],
      ['Bäckerei Grün GmbH', 'Düsseldorf'],
      ['Compañía Española S.L.', 'La Coruña'],
    ]);
    expect(records[2].cells[9]).toBe('“Bio” certificato');
    expect(records[3].cells[9]).toBe('Prezzi in €');
  });

  test('customers-excel-semicolon: CRLF leaves no \\r, quoted ; and commas inside cells', async () => {
    const { records } = await readAll(fixture('customers-excel-semicolon.csv'));
    expect(records.map((r) => r.cells.length)).toEqual([10, 10, 10]);
    expect(records[0].cells[1]).toBe('Edilizia; ristrutturazioni');
    expect(records[1].cells[1]).toBe('Tessuti, filati');
    expect(records[1].cells[9]).toBe('Sconto 5,5%');
    expect(records.flatMap((r) => r.cells).some((c) => c.includes('\r'))).toBe(false);
  });

  test('customers-utf16: non-ASCII text decoded', async () => {
    const { records } = await readAll(fixture('customers-utf16.csv'));
    expect(records[1].cells.slice(0, 5)).toEqual([
      'Nordic Design AB',
      'Möbler',
      'SE556677889901',
      'Storgatan 1',
      'Göteborg',
    ]);
    expect(records[1].cells[5]).toBe('Åsa Lindström');
  });

  test('customers-ragged: rows with too few / too many cells are returned as they are', async () => {
    const { records } = await readAll(fixture('customers-ragged.csv'));
    expect(records.map((r) => r.cells.length)).toEqual([10, 4, 12, 10]);
    expect(records[2].cells.slice(10)).toEqual(['extra', 'cells']);
  });

  test('customers-duplicate-vat: cells are trimmed, case kept', async () => {
    const { records } = await readAll(fixture('customers-duplicate-vat.csv'));
    expect(records.map((r) => r.cells[2])).toEqual([
      'IT123',
      '00234567890',
      'it123',
      'GB987654321',
    ]);
  });

  test('customers-multiline: the quoted line break is kept inside the cell', async () => {
    const { records } = await readAll(fixture('customers-multiline.csv'));
    expect(records[0].cells[9]).toBe('Consegne il lunedì\nritiro il venerdì');
    expect(records[1].cells[0]).toBe('Verdi Logistica S.r.l.');
  });

  test.each([
    ['customers-unknown-columns.csv', [...COLUMNS, 'website'], 3],
    ['customers-missing-columns.csv', COLUMNS.filter((c) => c !== 'vat_number' && c !== 'city'), 3],
    [
      'clients-valid.csv',
      ['first_name', 'last_name', 'email', 'phone', 'address', 'company_name', 'notes'],
      4,
    ],
  ])('%s: header columns and row count', async (name, columns, rows) => {
    const { header, records } = await readAll(fixture(name));
    expect(header.columns).toEqual(columns);
    expect(records).toHaveLength(rows);
    expect(records.every((r) => r.cells.length === columns.length)).toBe(true);
  });

  test.each([
    ['customers-empty.csv', 'file_empty', '', 'the file is empty'],
    ['customers-header-only.csv', 'no_data_rows', '', 'the file has a header but no data rows'],
    ['customers-broken-quotes.csv', 'invalid_csv', 'line 3', 'at line 3'],
  ])('%s throws %s', async (name, code, value, message) => {
    const error = await invalid(readAll(fixture(name)));
    expect(error.errors).toEqual([{ key: 'file', message: code, value }]);
    expect(error.message).toContain(message);
    expect(error.status).toBe(400);
  });
});

describe('encoding', () => {
  test('UTF-16 BE with BOM', async () => {
    const text = 'name,city\nJosé,Zürich\n';
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.alloc(le.length);
    for (let i = 0; i < le.length; i += 2) [be[i], be[i + 1]] = [le[i + 1], le[i]];
    const { header, records } = await readAll(
      await temp(Buffer.concat([Buffer.of(0xfe, 0xff), be])),
    );
    expect(header.encoding).toBe('utf-16be');
    expect(header.columns).toEqual(['name', 'city']);
    expect(records[0].cells).toEqual(['José', 'Zürich']);
  });

  test('an invalid UTF-8 byte after 100 KB makes the whole file windows-1252', async () => {
    const filler = numbered(5000); // ~110 KB of ASCII
    expect(filler.length).toBeGreaterThan(100 * 1024);
    const path = await temp(
      Buffer.concat([
        Buffer.from(filler),
        Buffer.from('5001,Caf'),
        Buffer.of(0xe9, 0x80),
        Buffer.from(',x\n'),
      ]),
    );
    const { header, records } = await readAll(path);
    expect(header.encoding).toBe('windows-1252');
    expect(records.at(-1)).toEqual({ rowNumber: 5002, cells: ['5001', 'Café€', 'x'] });
  });

  test('a UTF-8 BOM followed by invalid UTF-8: windows-1252, BOM still dropped', async () => {
    const path = await temp(
      Buffer.concat([
        Buffer.of(0xef, 0xbb, 0xbf),
        Buffer.from('name,city\nM'),
        Buffer.of(0xfc),
        Buffer.from('ller,x\n'),
      ]),
    );
    const { header, records } = await readAll(path);
    expect(header).toEqual({ columns: ['name', 'city'], delimiter: ',', encoding: 'windows-1252' });
    expect(records[0].cells).toEqual(['Müller', 'x']);
  });

  test('multi-byte characters split across read chunks decode correctly', async () => {
    // 2-, 3- and 4-byte characters over ~450 KB: several 64 KB chunk boundaries fall inside one.
    const long = 'ü€😀'.repeat(50_000);
    const path = await temp(`name,notes\nfirst,${long}\nsecond,ok\n`);
    const { header, records } = await readAll(path);
    expect(header.encoding).toBe('utf-8');
    expect(records[0].cells[1] === long).toBe(true);
    expect(records[1]).toEqual({ rowNumber: 3, cells: ['second', 'ok'] });
  });
});

describe('delimiter and header', () => {
  test.each([
    ['a,b,c', ','],
    ['a;b;c', ';'],
    ['a\tb\tc', '\t'],
    ['a|b|c', '|'],
    ['a;b,c;d', ';'],
    ['"x,y,z"|b', '|'],
    ['a,b;c', ','],
    ['single', ','],
  ])('header %j → %j', async (headerLine, delimiter) => {
    const { header } = await readAll(await temp(`\n${headerLine}\n1\n`));
    expect(header.delimiter).toBe(delimiter);
  });

  test('header cells are trimmed and lower-cased', async () => {
    const { header } = await readAll(await temp(' Company_Name ;  EMAIL;"Vat Number "\n1;2;3\n'));
    expect(header.columns).toEqual(['company_name', 'email', 'vat number']);
  });
});

describe('row numbers, blank lines and cells', () => {
  test.each([
    ['LF', 'a,b\n1,2\n3,4\n', [2, 3]],
    ['CRLF', 'a,b\r\n1,2\r\n3,4\r\n', [2, 3]],
    ['no final newline', 'a,b\n1,2\n3,4', [2, 3]],
    ['blank lines skipped but counted', 'a,b\n\n1,2\n   \n,\n\r\n3,4\n\n', [3, 7]],
    ['blank lines before the header', '\n\na,b\n1,2\n', [4]],
    ['quoted LF', 'a,b\n1,"x\ny"\n3,4\n', [2, 4]],
    ['quoted CRLF', 'a,b\r\n1,"x\r\ny\r\nz"\r\n3,4\r\n', [2, 5]],
    ['quoted line breaks at the cell edges', 'a,b\n1,"\nx\n"\n3,4\n', [2, 5]],
  ])('%s', async (_name, content, rowNumbers) => {
    const { records } = await readAll(await temp(content));
    expect(records.map((r) => r.rowNumber)).toEqual(rowNumbers);
  });

  test('cells are trimmed strings kept as written', async () => {
    const path = await temp('a,b,c,d\n 007 ,"  12345678901234567890 ",1e5, "x ""y"" " \n');
    const { records } = await readAll(path);
    expect(records[0].cells).toEqual(['007', '12345678901234567890', '1e5', 'x "y"']);
  });

  test.each([
    ['only a UTF-8 BOM', 'file_empty', Buffer.of(0xef, 0xbb, 0xbf)],
    ['only a UTF-16 BOM', 'file_empty', Buffer.of(0xff, 0xfe)],
    ['only whitespace and blank lines', 'file_empty', ' \n\n\t\r\n  '],
    ['header then blank lines', 'no_data_rows', 'a,b\n\n , \n\n'],
    ['header without final newline', 'no_data_rows', 'a,b'],
  ])('%s → %s', async (_name, code, content) => {
    const error = await invalid(readAll(await temp(content)));
    expect(error.errors).toEqual([{ key: 'file', message: code, value: '' }]);
  });
});

describe('invalid CSV', () => {
  test.each([
    ['unterminated quote', 3, 'a,b\n1,2\n3,"x\n4,5\n'],
    ['unterminated quote after a multi-line record', 5, 'a,b\n1,"ok\nstill ok"\n\n2,"bad\n3,4\n'],
    ['text after a closing quote', 3, 'a,b\n1,2\n3,"x"y\n4,5\n'],
    ['text after a closing quote, CRLF', 4, 'a,b\r\n1,2\r\n\r\n3,"x"y\r\n4,5\r\n'],
  ])('%s → line %i', async (_name, line, content) => {
    const error = await invalid(readAll(await temp(content)));
    expect(error.errors).toEqual([{ key: 'file', message: 'invalid_csv', value: `line ${line}` }]);
    expect(error.message).toMatch(new RegExp(`^invalid CSV: .* at line ${line}$`));
  });

  test('a bad record deep in the file is reported by the batches iterator with its line', async () => {
    const path = await temp(numbered(20_000, '20001,"x"y,z\n20002,a,b\n'));
    const { batches } = await openCsv(path, { maxRows: 100_000 });
    let rows = 0;
    const error = await invalid(
      (async () => {
        for await (const batch of batches) rows += batch.length;
      })(),
    );
    expect(error.errors[0].value).toBe('line 20002');
    expect(rows).toBeGreaterThan(0); // batches were yielded before the error surfaced
  });

  test('an unterminated quote early in a big file fails fast, naming its line', async () => {
    // fast-csv alone buffers the rest of the file and re-parses it with every chunk (~20 s here).
    const path = await temp(numbered(1, '2,"never closed,x\n') + numbered(250_000));
    const started = Date.now();
    const error = await invalid(readAll(path));
    expect(error.errors[0].value).toBe('line 3');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('batches and maxRows', () => {
  test('2,500 rows come in batches of 1000 by default, numbered in order', async () => {
    const { records, batchSizes } = await readAll(await temp(numbered(2500)));
    expect(batchSizes).toEqual([1000, 1000, 500]);
    expect(records.map((r) => r.rowNumber)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 2));
    expect(records[41].cells).toEqual(['42', 'name 42', '00000042']);
  });

  test('batchSize is respected', async () => {
    const { batchSizes } = await readAll(await temp(numbered(2500)), {
      maxRows: 2500,
      batchSize: 700,
    });
    expect(batchSizes).toEqual([700, 700, 700, 400]);
  });

  test('exactly maxRows data rows pass (blank lines do not count)', async () => {
    const { records } = await readAll(await temp(numbered(2500, '\n\n')), { maxRows: 2500 });
    expect(records).toHaveLength(2500);
  });

  test('row maxRows + 1 throws too_many_rows before it is yielded', async () => {
    const { batches } = await openCsv(await temp(numbered(2500)), {
      maxRows: 1500,
      batchSize: 500,
    });
    const seen: number[] = [];
    const error = await invalid(
      (async () => {
        for await (const batch of batches) seen.push(...batch.map((r) => r.rowNumber));
      })(),
    );
    expect(error.errors).toEqual([{ key: 'file', message: 'too_many_rows', value: '1500' }]);
    expect(error.message).toBe('the file has more than 1500 rows');
    expect(seen).toHaveLength(1500);
    expect(seen.at(-1)).toBe(1501);
  });

  test('too_many_rows stops reading: a broken record at the end of a big file is never reached', async () => {
    const path = await temp(numbered(150_000, '150001,"never closed\n'));
    const error = await invalid(readAll(path, { maxRows: 1000 }));
    expect(error.errors[0].message).toBe('too_many_rows');
    expect(await openDescriptors(path)).toBe(0);
  });

  test('maxRows 0 rejects any data row', async () => {
    const error = await invalid(openCsv(await temp('a\n1\n'), { maxRows: 0 }));
    expect(error.errors[0].message).toBe('too_many_rows');
  });
});

describe('blank lines are bounded (the work per upload, not only the data rows)', () => {
  test('more blank lines than maxBlankLines → too_many_blank_lines, wherever they are', async () => {
    for (const content of [
      'a,b\n1,2\n\n\n\n , \n,\n\n3,4\n',
      '\n\n\n\n\n\n\na,b\n1,2\n',
      'a;b\r\n1;2\r\n;;\r\n;;\r\n;;\r\n;;\r\n;;\r\n;;\r\n',
    ]) {
      const error = await invalid(readAll(await temp(content), { maxRows: 10, maxBlankLines: 5 }));
      expect(error.errors).toEqual([{ key: 'file', message: 'too_many_blank_lines', value: '5' }]);
      expect(error.message).toBe('the file has more than 5 blank lines');
    }
  });

  test('exactly maxBlankLines blank lines pass', async () => {
    const { records } = await readAll(await temp('\na,b\n\n1,2\n\n\n,\n'), {
      maxRows: 10,
      maxBlankLines: 5,
    });
    expect(records.map((r) => r.rowNumber)).toEqual([4]);
  });

  test('by default as many blank lines as maxRows, and at least 10,000', async () => {
    const path = await temp(numbered(3, '\n'.repeat(10_000)));
    expect((await readAll(path, { maxRows: 3 })).records).toHaveLength(3);
    const more = await temp(numbered(3, '\n'.repeat(10_001)));
    expect((await invalid(readAll(more, { maxRows: 3 }))).errors[0].value).toBe('10000');
    const large = await temp(numbered(3, '\n'.repeat(20_000)));
    expect((await readAll(large, { maxRows: 20_000 })).records).toHaveLength(3);
  });

  test.each([
    ['after a header and a row', 'a,b\n1,2\n'],
    ['alone', ''],
  ])('50 MB of line breaks %s are refused in well under 2 s', async (_name, head) => {
    // Before the limit, every blank line went through the parser as a record: ~160 s here.
    const path = await temp(Buffer.concat([Buffer.from(head), Buffer.alloc(50 * 1024 * 1024, 10)]));
    const started = performance.now();
    const error = await invalid(readAll(path, { maxRows: 100_000 }));
    expect(error.errors).toEqual([
      { key: 'file', message: 'too_many_blank_lines', value: '100000' },
    ]);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('differential on files: every encoding, the same answer as the fast-csv reference', () => {
  const ENCODINGS = ['utf-8', 'utf-8 BOM', 'utf-16le', 'utf-16be', 'windows-1252'] as const;

  function encode(text: string, encoding: (typeof ENCODINGS)[number]): Buffer {
    if (encoding === 'utf-8') return Buffer.from(text);
    if (encoding === 'utf-8 BOM') return Buffer.from(`\ufeff${text}`);
    if (encoding === 'windows-1252') return Buffer.from(text, 'latin1');
    const le = Buffer.from(`\ufeff${text}`, 'utf16le');
    if (encoding === 'utf-16le') return le;
    for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
    return le;
  }

  /** What the reader must answer, from the file's bytes decoded independently and fast-csv. */
  async function expected(bytes: Buffer, delimiter: string): Promise<unknown> {
    const utf16 = bytes[0] === 0xff ? 'utf-16le' : bytes[0] === 0xfe ? 'utf-16be' : undefined;
    const bom = utf16 ? 2 : bytes[0] === 0xef ? 3 : 0;
    const body = bytes.subarray(bom);
    const encoding = utf16 ?? (isUtf8(body) ? 'utf-8' : 'latin1');
    const text = new TextDecoder(encoding, { ignoreBOM: true }).decode(body);
    const outcome = await parseWithFastCsv([text], delimiter);
    if (outcome.error) return outcome.error;
    if (outcome.records.length === 0) return 'file_empty: ';
    if (outcome.records.length === 1) return 'no_data_rows: ';
    const [header, ...records] = outcome.records;
    return { columns: header.cells.map((c) => c.toLowerCase()), records };
  }

  async function actual(path: string): Promise<unknown> {
    try {
      const { header, records } = await readAll(path);
      return { columns: header.columns, records };
    } catch (error) {
      if (!(error instanceof InvalidError)) throw error;
      return error.errors.map((e) => `${e.message}: ${e.value}`).join('; ');
    }
  }

  test('300 random files in UTF-8 (with and without BOM), UTF-16 LE/BE and Windows-1252', async () => {
    const random = rng(14);
    const disagreements: string[] = [];
    for (let i = 0; i < 300; i++) {
      const delimiter = DELIMITERS[i % DELIMITERS.length];
      const encoding = ENCODINGS[Math.floor(random() * ENCODINGS.length)];
      let text = `id${delimiter}name${delimiter}notes\r\n${randomCsv(random, delimiter)}`;
      // Windows-1252 files: only characters of Latin-1 outside 0x80–0x9F, and one that is not
      // valid UTF-8 on its own, so that the file is read as Windows-1252.
      if (encoding === 'windows-1252')
        text = `±${text.replace(/[^\t-\u007f\u00a0-\u00ff]/gu, 'x')}`;
      const bytes = encode(text, encoding);
      const want = JSON.stringify(await expected(bytes, delimiter));
      const got = JSON.stringify(await actual(await temp(bytes)));
      if (got !== want)
        disagreements.push(`${encoding} ${JSON.stringify(text)}:\n  ${want}\n  ${got}`);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('file handles', () => {
  test('the file is open while iterating and closed once the consumer breaks', async () => {
    const path = await temp(numbered(150_000));
    const { batches } = await openCsv(path, { maxRows: 1_000_000 });
    expect(await openDescriptors(path)).toBe(0); // nothing held between openCsv and iteration
    for await (const batch of batches) {
      expect(batch).toHaveLength(1000);
      expect(await openDescriptors(path, 1)).toBe(1);
      break;
    }
    expect(await openDescriptors(path)).toBe(0);
  });

  test('the file is closed when the consumer throws', async () => {
    const path = await temp(numbered(150_000));
    const { batches } = await openCsv(path, { maxRows: 1_000_000 });
    await expect(
      (async () => {
        for await (const _batch of batches) throw new Error('consumer failed');
      })(),
    ).rejects.toThrow('consumer failed');
    expect(await openDescriptors(path)).toBe(0);
  });
});

/** Descriptors of this process open on `path`, once it equals `expected` or after ~1 s (Linux). */
async function openDescriptors(path: string, expected = 0): Promise<number> {
  let count = -1;
  for (let attempt = 0; attempt < 50 && count !== expected; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const fds = await readdir('/proc/self/fd');
    const targets = await Promise.all(
      fds.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
    );
    count = targets.filter((target) => target === path).length;
  }
  return count;
}
