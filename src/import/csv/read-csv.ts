/**
 * Streaming CSV reader of the import engine: detects the encoding and the delimiter, then parses
 * the file with fast-csv without ever holding more than a few chunks of it in memory.
 *
 * Row numbers: fast-csv does not report line numbers, so the reader counts them itself. A record
 * that starts on line L and whose raw (untrimmed) cells contain k line breaks (`\r\n`, `\n` or a
 * lone `\r`, which can only occur inside quoted cells) ends on line L + k, so the next record
 * starts on line L + k + 1. Blank lines come out of fast-csv as records too (`ignoreEmpty: false`)
 * and advance the counter by one. The counting happens inside the parser stream (in the row
 * transform, in file order), so when a chunk fails to parse the counter names the first line of
 * the first record that was not emitted; the failed chunk is then fed again line by line so that
 * it names the line where the bad record starts.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, Readable, type TransformCallback } from 'node:stream';
import { CsvParserStream, ParserOptions } from 'fast-csv';
import { detail, InvalidError } from '../../shared/domain-error.js';

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface CsvHeader {
  /** Header cells trimmed and lower-cased, in file order. */
  columns: string[];
  /** One of ',', ';', '\t', '|'. */
  delimiter: string;
  encoding: CsvEncoding;
}

export interface CsvRecord {
  /** The line of the file where the record starts: the header is line 1, the first data row 2. */
  rowNumber: number;
  /** Each cell trimmed, always a string, exactly as written (leading zeros kept). */
  cells: string[];
}

export interface CsvReadOptions {
  maxRows: number;
  /** Records per yielded batch; default 1000. */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 1000;
const READ_CHUNK_BYTES = 64 * 1024;
/** Delimiter detection looks at no more than this much of the header line. */
const HEADER_PEEK_CHARS = 64 * 1024;
/**
 * fast-csv keeps an unfinished record in memory and parses it again with every chunk, so an
 * unterminated quote early in a big file would buffer the rest of the file and take quadratic
 * time before failing at the end. A record longer than this is reported as `invalid_csv`.
 */
const MAX_RECORD_CHARS = 1024 * 1024;
const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Reads a CSV file from disk as a stream (memory must not grow with the file).
 *
 * Throws `InvalidError` (`file_empty`, `no_data_rows`, `invalid_csv`, `too_many_rows`) here for
 * what shows in the first records, and from the `batches` iterator for what shows later.
 * `batches` opens the file when iteration starts and closes it when iteration ends (completed,
 * `break`, or an error), so an `openCsv` result that is never iterated holds no resources;
 * each iteration reads the file again.
 */
export async function openCsv(
  path: string,
  options: CsvReadOptions,
): Promise<{ header: CsvHeader; batches: AsyncIterable<CsvRecord[]> }> {
  const { maxRows } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(maxRows) || maxRows < 0) {
    throw new RangeError(`maxRows must be a non-negative integer, got ${maxRows}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }

  const layout: Layout = await detectEncoding(path);
  let headerRecord: CsvRecord | undefined;
  let hasDataRow = false;
  for await (const record of readRecords(path, layout)) {
    if (isBlank(record)) continue;
    if (!headerRecord) {
      headerRecord = record;
      continue;
    }
    hasDataRow = true;
    break;
  }
  if (!headerRecord)
    throw new InvalidError([detail('file', 'file_empty', '')], 'the file is empty');
  if (!hasDataRow) {
    throw new InvalidError(
      [detail('file', 'no_data_rows', '')],
      'the file has a header but no data rows',
    );
  }
  if (maxRows < 1) throw tooManyRows(maxRows);

  const header: CsvHeader = {
    columns: headerRecord.cells.map((cell) => cell.toLowerCase()),
    delimiter: layout.delimiter ?? ',',
    encoding: layout.encoding,
  };
  const headerLine = headerRecord.rowNumber;
  const batches: AsyncIterable<CsvRecord[]> = {
    [Symbol.asyncIterator]: () => readBatches(path, layout, headerLine, maxRows, batchSize),
  };
  return { header, batches };
}

interface Layout {
  encoding: CsvEncoding;
  /** Bytes of byte order mark to skip. */
  bomLength: number;
  /** Set by the first `readRecords` pass, which detects it from the header line. */
  delimiter?: string;
}

async function* readBatches(
  path: string,
  layout: Layout,
  headerLine: number,
  maxRows: number,
  batchSize: number,
): AsyncGenerator<CsvRecord[]> {
  let batch: CsvRecord[] = [];
  let dataRows = 0;
  for await (const record of readRecords(path, layout)) {
    if (record.rowNumber <= headerLine || isBlank(record)) continue;
    dataRows += 1;
    if (dataRows > maxRows) throw tooManyRows(maxRows);
    batch.push(record);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Every record of the file in order, blank ones included; closes the file when it stops. */
async function* readRecords(path: string, layout: Layout): AsyncGenerator<CsvRecord> {
  const file = createReadStream(path, { start: layout.bomLength, highWaterMark: READ_CHUNK_BYTES });
  let parser: RecordParser | undefined;
  try {
    const text = decodeChunks(file, layout.encoding);
    let source: AsyncIterable<string> = text;
    if (layout.delimiter === undefined) {
      const peeked = await peekHeaderLine(text);
      layout.delimiter = detectDelimiter(peeked.headerLine);
      source = replay(peeked.prefix, text);
    }
    parser = new RecordParser(layout.delimiter);
    // Errors of the source reach the iterator below through the parser, which pipeline destroys.
    pipeline(Readable.from(source, { highWaterMark: 1 }), parser, () => undefined);
    for await (const record of parser) yield record as CsvRecord;
  } finally {
    parser?.destroy();
    file.destroy();
  }
}

// ---------------------------------------------------------------------------------- encoding

async function detectEncoding(path: string): Promise<Layout> {
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const buffer = Buffer.alloc(3);
    const { bytesRead } = await handle.read(buffer, 0, 3, 0);
    head = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  const bomLength = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const encoding = (await isValidUtf8(path, bomLength)) ? 'utf-8' : 'windows-1252';
  return { encoding, bomLength };
}

/** Streams the whole file through a fatal UTF-8 decoder; stops at the first invalid byte. */
async function isValidUtf8(path: string, start: number): Promise<boolean> {
  const file = createReadStream(path, { start, highWaterMark: READ_CHUNK_BYTES });
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    for await (const chunk of file) decoder.decode(chunk as Buffer, { stream: true });
    decoder.decode();
    return true;
  } catch (error) {
    // Node's own TypeError: `instanceof` fails across realms (Jest), the code does not.
    if ((error as { code?: unknown }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return false;
    throw error;
  } finally {
    file.destroy();
  }
}

/**
 * Decodes chunk by chunk with `{ stream: true }`, so characters split across chunks are kept.
 * Streaming also matters for windows-1252: Node ≥ 20.18.3 / 22.13 decodes a one-shot
 * `decode(bytes)` as Latin-1, turning 0x80–0x9F (€, curly quotes) into C1 controls
 * (nodejs/node#60888); the streaming path uses the proper table (checked by the spec).
 */
async function* decodeChunks(file: ReadStream, encoding: CsvEncoding): AsyncGenerator<string> {
  // The BOM is skipped by byte offset; ignoreBOM keeps the decoder from eating a second one.
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  for await (const chunk of file) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    if (text) yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

// --------------------------------------------------------------------------------- delimiter

/**
 * Reads decoded chunks until the header line (the first line that is not blank) is complete, or
 * HEADER_PEEK_CHARS have been read, or the file ends. Returns what was read, to be replayed.
 */
async function peekHeaderLine(
  text: AsyncIterator<string>,
): Promise<{ prefix: string; headerLine: string }> {
  let prefix = '';
  for (;;) {
    const next = await text.next();
    if (!next.done) prefix += next.value;
    const ended = next.done === true || prefix.length >= HEADER_PEEK_CHARS;
    const headerLine = findHeaderLine(prefix, ended);
    if (headerLine !== undefined) return { prefix, headerLine };
  }
}

/** The first non-blank line (line breaks inside double quotes do not end it). */
function findHeaderLine(text: string, ended: boolean): string | undefined {
  let start = 0;
  let inQuotes = false;
  let hasContent = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      inQuotes = !inQuotes;
      hasContent = true;
    } else if (!inQuotes && (c === '\n' || c === '\r')) {
      if (hasContent) return text.slice(start, i);
      start = i + 1;
    } else if (!hasContent && c.trim() !== '') {
      hasContent = true;
    }
  }
  return ended ? text.slice(start) : undefined;
}

/** The most frequent of , ; tab | outside double quotes; ',' on a tie or when none occurs. */
function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let inQuotes = false;
  for (const c of headerLine) {
    if (c === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best: string = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

async function* replay(prefix: string, rest: AsyncGenerator<string>): AsyncGenerator<string> {
  if (prefix) yield prefix;
  yield* rest;
}

// ------------------------------------------------------------------------------------ parser

/** fast-csv with line counting (see the top of the file) and `invalid_csv` errors. */
class RecordParser extends CsvParserStream<string[], CsvRecord & Record<string, unknown>> {
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
function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\n|\r|$)/g)!.filter((piece) => piece !== '');
}

function countLineBreaks(cell: string): number {
  if (!cell.includes('\n') && !cell.includes('\r')) return 0;
  return cell.match(/\r\n|\r|\n/g)!.length;
}

function isBlank(record: CsvRecord): boolean {
  return record.cells.every((cell) => cell === '');
}

// ------------------------------------------------------------------------------------ errors

function invalidCsv(line: number, problem: string): InvalidError {
  return new InvalidError(
    [detail('file', 'invalid_csv', `line ${line}`)],
    `invalid CSV: ${problem} at line ${line}`,
  );
}

function tooManyRows(maxRows: number): InvalidError {
  return new InvalidError(
    [detail('file', 'too_many_rows', String(maxRows))],
    `the file has more than ${maxRows} rows`,
  );
}
