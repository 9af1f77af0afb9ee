/**
 * The differential test of CsvRecordParser: random CSV texts, and the reference it must agree
 * with — fast-csv 5, wrapped exactly as the reader used it before (line counting from the raw
 * cells, a failed chunk fed again line by line to name the line of the bad record, cells trimmed
 * in our code, blank records set apart). Shared by `csv-record-parser.spec.ts` and the parser
 * comparison of `bench/csv-parsers.ts`.
 */
import { pipeline, Readable, type TransformCallback } from 'node:stream';
import { CsvParserStream, ParserOptions } from 'fast-csv';
import { InvalidError } from '../../shared/domain-error.js';
import { CsvRecordParser, invalidCsv, MAX_RECORD_CHARS } from './csv-record-parser.js';
import type { CsvRecord } from './read-csv.js';

/** What a parser made of a text: its non-blank records, its blank ones, and how it ended. */
export interface ParseOutcome {
  records: CsvRecord[];
  blankRecords: number;
  /** `invalid_csv: line N` (the error's code and value), or undefined when the text parsed. */
  error?: string;
}

/**
 * The outcome as the reader's caller sees it: the records when the text parsed, only the error
 * when it did not (an error fails the whole import; which records came before it depends on
 * buffering, in the reader before as now).
 */
export function comparable(outcome: ParseOutcome): string {
  return JSON.stringify(
    outcome.error === undefined
      ? { records: outcome.records, blankRecords: outcome.blankRecords }
      : { error: outcome.error },
  );
}

/** The text through CsvRecordParser, fed in the given chunks. */
export function parseWithRecordParser(chunks: string[], delimiter: string): ParseOutcome {
  const parser = new CsvRecordParser(delimiter);
  let error: string | undefined;
  try {
    for (const chunk of chunks) parser.feed(chunk);
    parser.end();
  } catch (e) {
    error = describeError(e);
  }
  return { records: parser.records, blankRecords: parser.blankRecords, error };
}

/** The text through the fast-csv reference, fed in the given chunks. */
export async function parseWithFastCsv(chunks: string[], delimiter: string): Promise<ParseOutcome> {
  const parser = new FastCsvRecordParser(delimiter);
  const outcome: ParseOutcome = { records: [], blankRecords: 0 };
  pipeline(Readable.from(chunks, { highWaterMark: 1 }), parser, () => undefined);
  try {
    for await (const record of parser as AsyncIterable<CsvRecord>) {
      if (record.cells.every((cell) => cell === '')) outcome.blankRecords += 1;
      else outcome.records.push(record);
    }
  } catch (e) {
    outcome.error = describeError(e);
  }
  return outcome;
}

export function describeError(error: unknown): string {
  if (!(error instanceof InvalidError)) throw error;
  return error.errors.map((e) => `${e.message}: ${e.value}`).join('; ');
}

// ------------------------------------------------------------------------------ random texts

/** A small seeded PRNG (mulberry32): the same seed gives the same texts on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Unicode spaces JavaScript counts as white space (no-break, em, ideographic, BOM, line
 * separator, vertical tab, form feed), and two it does not (zero-width space, the Mongolian
 * vowel separator, white space in Unicode before 6.3).
 */
const SPACES = [
  ' ',
  '  ',
  '\t',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\ufeff',
  '\u2028',
  '\v',
  '\f',
  '\u200b',
  '\u180e',
];
const BREAKS = ['\n', '\r\n', '\r'];
const WORDS = [
  'a',
  'Rossi',
  '00123',
  '+39 02 1234567',
  'Café',
  'Zürich',
  'ü€😀',
  'x y',
  '1e5',
  'Åsa',
];
/** Characters of the "soup" texts: everything that can matter to a CSV parser, and little else. */
const SOUP = [
  'a',
  'é',
  '1',
  ' ',
  '"',
  '"',
  '"',
  ',',
  ';',
  '\t',
  '|',
  '\n',
  '\r',
  '\r\n',
  '\u00a0',
  '\u2028',
  '😀',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/**
 * A random CSV text for the delimiter: records of plain, spaced, quoted (with delimiters, `""`
 * and line breaks inside), space-wrapped quoted, empty and malformed cells (text after a
 * closing quote, a quote never closed, a stray quote), ragged rows, blank and white-space lines,
 * mixed line endings, with or without a final line break; one text in four is character soup.
 */
export function randomCsv(random: () => number, delimiter: string): string {
  if (random() < 0.25) {
    let soup = '';
    const length = Math.floor(random() * 80);
    for (let i = 0; i < length; i++) soup += random() < 0.15 ? delimiter : pick(random, SOUP);
    return soup;
  }
  const space = () => (random() < 0.5 ? pick(random, SPACES) : '');
  const content = () => {
    let text = '';
    const parts = Math.floor(random() * 4);
    for (let i = 0; i < parts; i++) {
      const r = random();
      text +=
        r < 0.4
          ? pick(random, WORDS)
          : r < 0.55
            ? pick(random, DELIMITERS)
            : r < 0.7
              ? '""'
              : r < 0.85
                ? pick(random, BREAKS)
                : pick(random, SPACES);
    }
    return text;
  };
  const cell = () => {
    const r = random();
    if (r < 0.15) return '';
    if (r < 0.45) return pick(random, WORDS);
    if (r < 0.55) return space() + pick(random, WORDS) + space();
    if (r < 0.75) return `"${content()}"`;
    if (r < 0.87) return `${space()}"${content()}"${space()}`;
    if (r < 0.9) return space();
    if (r < 0.93) return `${pick(random, WORDS)}"${pick(random, WORDS)}`;
    if (r < 0.96) return `"${content()}"${pick(random, WORDS)}`;
    if (r < 0.97) return `"${content()}`;
    return `"${content()}"${space()}"${content()}"`;
  };
  const lines: string[] = [];
  const records = 1 + Math.floor(random() * 6);
  const width = 1 + Math.floor(random() * 4);
  for (let i = 0; i < records; i++) {
    const r = random();
    let line: string;
    if (r < 0.08) line = '';
    else if (r < 0.12) line = space() + space();
    else if (r < 0.15) line = delimiter.repeat(Math.floor(random() * 4));
    else {
      const cells = random() < 0.8 ? width : 1 + Math.floor(random() * 5);
      line = Array.from({ length: cells }, cell).join(delimiter);
    }
    lines.push(line + pick(random, BREAKS));
  }
  let text = lines.join('');
  if (random() < 0.3) text = text.replace(/(\r\n|\r|\n)$/, '');
  if (random() < 0.1) text += space();
  return text;
}

/** The text cut into 1–4 random pieces (a record, a \r\n or a `""` may be split). */
export function randomChunks(random: () => number, text: string): string[] {
  const cuts = new Set<number>();
  const count = Math.floor(random() * 4);
  for (let i = 0; i < count; i++) cuts.add(Math.floor(random() * (text.length + 1)));
  const at = [0, ...[...cuts].sort((a, b) => a - b), text.length];
  const chunks: string[] = [];
  for (let i = 1; i < at.length; i++)
    if (at[i] > at[i - 1]) chunks.push(text.slice(at[i - 1], at[i]));
  return chunks;
}

// ----------------------------------------------------------------- the fast-csv reference

/** The reader's parser before CsvRecordParser: fast-csv with line counting and `invalid_csv` errors. */
export class FastCsvRecordParser extends CsvParserStream<
  string[],
  CsvRecord & Record<string, unknown>
> {
  /** Line where the next record fast-csv emits starts. */
  private nextLine = 1;
  /** Characters fed since the last emitted record (may overcount by one chunk). */
  private charsWithoutRecord = 0;
  private emittedRecord = false;

  constructor(delimiter: string) {
    super(
      new ParserOptions({
        delimiter,
        headers: false,
        ignoreEmpty: false,
        strictColumnHandling: false,
        // Trimmed below: the raw cells are needed to count line breaks.
        trim: false,
        objectMode: true,
      }),
    );
    this.transform((raw: string[]) => this.toRecord(raw));
  }

  private toRecord(raw: string[]): CsvRecord & Record<string, unknown> {
    const rowNumber = this.nextLine;
    this.nextLine += 1 + raw.reduce((sum, cell) => sum + countLineBreaks(cell), 0);
    this.emittedRecord = true;
    return { rowNumber, cells: raw.map((cell) => cell.trim()) };
  }

  override _transform(data: Buffer | string, encoding: string, done: TransformCallback): void {
    if (this.charsWithoutRecord > MAX_RECORD_CHARS) {
      done(invalidCsv(this.nextLine, `a record longer than ${MAX_RECORD_CHARS} characters`));
      return;
    }
    const text = String(data);
    this.emittedRecord = false;
    super._transform(asChunk(text), encoding, (error) => {
      if (!error) {
        this.charsWithoutRecord = (this.emittedRecord ? 0 : this.charsWithoutRecord) + text.length;
        done();
      } else if (!isParseError(error)) {
        done(error);
      } else {
        // fast-csv rejects a chunk as a whole, before emitting any of its records and without
        // changing its state: feed it again one line at a time so that the records before the
        // bad one are counted and nextLine names the line where the bad record starts.
        this.feedLines(splitLines(text), 0, encoding, done);
      }
    });
  }

  override _flush(done: TransformCallback): void {
    super._flush((error) => done(error ? this.toInvalid(error) : null));
  }

  private feedLines(lines: string[], index: number, encoding: string, done: TransformCallback) {
    if (index >= lines.length) {
      done();
      return;
    }
    super._transform(asChunk(lines[index]), encoding, (error) => {
      if (error) done(this.toInvalid(error));
      else this.feedLines(lines, index + 1, encoding, done);
    });
  }

  private toInvalid(error: Error): Error {
    if (!isParseError(error)) return error;
    const problem = /missing closing/i.test(error.message)
      ? 'an unterminated quoted field'
      : 'a character after a closing quote';
    return invalidCsv(this.nextLine, problem);
  }
}

/** fast-csv in object mode passes strings through untouched (StringDecoder returns them as is). */
function asChunk(text: string): Buffer {
  return text as unknown as Buffer;
}

function isParseError(error: Error): boolean {
  return typeof error.message === 'string' && error.message.startsWith('Parse Error');
}

/** Pieces that each end after one line break (\r\n, \n or a lone \r); the last may have none. */
/**
 * Pieces that each end after one line break; the last may have none.
 *
 * One deliberate difference from the reader before CsvRecordParser, which cut after a lone \r
 * too: fast-csv holds back a record that ends with a lone \r at the end of its input (a \n
 * may follow), and the error of the next record then discarded it uncounted, so `invalid_csv`
 * named the line of the record before the bad one (files with classic Mac line endings). A piece
 * now runs on past lone \r's to the next other character, which releases the records; the
 * reference, like the new parser, names the bad record's own line.
 */
function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\n|\r+[^\r]?|$)/g)!.filter((piece) => piece !== '');
}

function countLineBreaks(cell: string): number {
  if (!cell.includes('\n') && !cell.includes('\r')) return 0;
  return cell.match(/\r\n|\r|\n/g)!.length;
}
