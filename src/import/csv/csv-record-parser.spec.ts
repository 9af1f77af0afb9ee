import { describe, expect, test } from '@jest/globals';
import { CsvRecordParser, MAX_RECORD_CHARS } from './csv-record-parser.js';
import {
  comparable,
  DELIMITERS,
  parseWithFastCsv,
  parseWithRecordParser,
  randomChunks,
  randomCsv,
  rng,
  type ParseOutcome,
} from './csv-differential.spec-helper.js';

/** More cases on demand: CSV_FUZZ_CASES=200000 npm test -- csv-record-parser */
const CASES = Number(process.env.CSV_FUZZ_CASES ?? 4000);

const parse = (text: string, delimiter = ',') => parseWithRecordParser([text], delimiter);
const cells = (outcome: ParseOutcome) => outcome.records.map((r) => r.cells);
const rows = (outcome: ParseOutcome) => outcome.records.map((r) => r.rowNumber);

describe('differential: the same records, row numbers and errors as the fast-csv reference', () => {
  test(`${CASES} random texts, whole and cut into random chunks`, async () => {
    const random = rng(20261202);
    const disagreements: string[] = [];
    for (let i = 0; i < CASES && disagreements.length < 5; i++) {
      const delimiter = DELIMITERS[Math.floor(random() * DELIMITERS.length)];
      const text = randomCsv(random, delimiter);
      const expected = await parseWithFastCsv([text], delimiter);
      const whole = parseWithRecordParser([text], delimiter);
      const chunks = randomChunks(random, text);
      const chunked = parseWithRecordParser(chunks, delimiter);
      for (const [how, actual] of [
        ['whole', whole],
        [`in chunks ${JSON.stringify(chunks)}`, chunked],
      ] as const) {
        if (comparable(actual) !== comparable(expected)) {
          disagreements.push(
            `delimiter ${JSON.stringify(delimiter)}, text ${JSON.stringify(text)} ${how}:\n` +
              `  fast-csv ${comparable(expected)}\n  parser   ${comparable(actual)}`,
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe('the cases the differential found worth keeping', () => {
  test('a no-break space (any JavaScript white space) after a quoted cell', () => {
    expect(cells(parse('"x"\u00a0,"y"\u3000\u2028\n'))).toEqual([['x', 'y']]);
  });

  test('white space before an opening quote: the cell is still quoted', () => {
    expect(cells(parse('a, "x,y" ,\t"""z"""\n'))).toEqual([['a', 'x,y', '"z"']]);
  });

  test('a zero-width space is not white space: text after a closing quote', () => {
    expect(parse('a,b\n"x"\u200b,y\n').error).toBe('invalid_csv: line 2');
  });

  test('a quote inside an unquoted cell is kept', () => {
    expect(cells(parse('ab"c,d""e\n'))).toEqual([['ab"c', 'd""e']]);
  });

  test('mixed line endings, and a lone \\r ends a record', () => {
    const outcome = parse('a\r\nb\rc\nd');
    expect(cells(outcome)).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(rows(outcome)).toEqual([1, 2, 3, 4]);
  });

  test('line breaks inside quoted cells advance the row number; blank records are counted', () => {
    const outcome = parse('a\n"x\r\ny\rz\n"\n\n , \nb\n');
    expect(rows(outcome)).toEqual([1, 2, 8]);
    expect(outcome.blankRecords).toBe(2);
  });

  test('tab as delimiter is not white space', () => {
    expect(cells(parse('\t"x"\t \n', '\t'))).toEqual([['', 'x', '']]);
  });
});

describe('chunks', () => {
  test('a \\r\\n split between chunks is one line break', () => {
    const outcome = parseWithRecordParser(['a,b\r', '\nc,d\r', '\n'], ',');
    expect(cells(outcome)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(outcome.blankRecords).toBe(0);
  });

  test('a `""` split between chunks is one quote', () => {
    expect(cells(parseWithRecordParser(['"a"', '"b"\n'], ','))).toEqual([['a"b']]);
  });

  test('a 900 KB quoted cell fed in 1 KB chunks: parsed once whole, in linear time', () => {
    const long = 'x\n'.repeat(450_000);
    const text = `a,"${long}"\nb,c\n`;
    const chunks = Array.from({ length: Math.ceil(text.length / 1024) }, (_, i) =>
      text.slice(i * 1024, (i + 1) * 1024),
    );
    const started = performance.now();
    const outcome = parseWithRecordParser(chunks, ',');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(outcome.records.map((r) => r.cells[0])).toEqual(['a', 'b']);
    expect(outcome.records[0].cells[1]).toBe(long.trim());
    expect(rows(outcome)).toEqual([1, 450_002]);
  });

  test('a record longer than MAX_RECORD_CHARS is invalid_csv at its first line', () => {
    const parser = new CsvRecordParser(',');
    parser.feed('a\nb\n"');
    expect(() => {
      for (let i = 0; i < 40; i++) parser.feed('y'.repeat(64 * 1024));
    }).toThrow(`invalid CSV: a record longer than ${MAX_RECORD_CHARS} characters at line 3`);
    expect(rows({ records: parser.records, blankRecords: 0 })).toEqual([1, 2]);
  });

  test('an unterminated quote is reported at the end, naming the line where its record starts', () => {
    const parser = new CsvRecordParser(';');
    parser.feed('a;b\n1;"x\n');
    parser.feed('2;3\n');
    expect(() => parser.end()).toThrow('invalid CSV: an unterminated quoted field at line 2');
  });
});
