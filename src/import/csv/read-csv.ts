/**
 * Streaming CSV reader of the import engine: detects the encoding and the delimiter, then parses
 * the file with CsvRecordParser (its grammar and row numbering are described there) without ever
 * holding more than a chunk and one record of it in memory.
 *
 * The work per upload is bounded by the limits, blank lines included: at most `maxRows` data
 * rows (`too_many_rows`) and at most `maxBlankLines` blank ones (`too_many_blank_lines`); a file
 * of nothing but line breaks is refused after those, not parsed to its end.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { detail, InvalidError } from '../../shared/domain-error.js';
import {
  checkReadOptions,
  DEFAULT_BATCH_SIZE,
  fileEmpty,
  inBatches,
  noDataRows,
  tooManyRows,
} from '../import-file.js';
import { CsvRecordParser } from './csv-record-parser.js';

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
  /**
   * Blank lines (no cell, or only empty cells) allowed anywhere in the file; more →
   * `too_many_blank_lines`. Default: maxRows, at least MIN_BLANK_LINES.
   */
  maxBlankLines?: number;
  /** Records per yielded batch; default 1000. */
  batchSize?: number;
}

const READ_CHUNK_BYTES = 64 * 1024;
/** Delimiter detection looks at no more than this much of the header line. */
const HEADER_PEEK_CHARS = 64 * 1024;
/**
 * Blank lines allowed when maxRows is small: spreadsheets export trailing rows of empty cells
 * (`;;;;`), which cost next to nothing to skip; only millions of them are a denial of service.
 */
const MIN_BLANK_LINES = 10_000;
const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Reads a CSV file from disk as a stream (memory must not grow with the file).
 *
 * Throws `InvalidError` (`file_empty`, `no_data_rows`, `invalid_csv`, `too_many_rows`,
 * `too_many_blank_lines`) here for what shows in the first records, and from the `batches`
 * iterator for what shows later.
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
  const maxBlankLines = options.maxBlankLines ?? Math.max(maxRows, MIN_BLANK_LINES);
  checkReadOptions(maxRows, batchSize);
  if (!Number.isInteger(maxBlankLines) || maxBlankLines < 0) {
    throw new RangeError(`maxBlankLines must be a non-negative integer, got ${maxBlankLines}`);
  }

  const layout: Layout = await detectEncoding(path);
  const limits = { maxRows, maxBlankLines };
  let headerRecord: CsvRecord | undefined;
  let hasDataRow = false;
  for await (const records of readRecords(path, layout, limits)) {
    headerRecord ??= records[0];
    if (records.length > 1 || records[0] !== headerRecord) {
      hasDataRow = true;
      break;
    }
  }
  if (!headerRecord) throw fileEmpty();
  if (!hasDataRow) throw noDataRows();
  if (maxRows < 1) throw tooManyRows(maxRows);

  const header: CsvHeader = {
    columns: headerRecord.cells.map((cell) => cell.toLowerCase()),
    delimiter: layout.delimiter ?? ',',
    encoding: layout.encoding,
  };
  const headerLine = headerRecord.rowNumber;
  const batches: AsyncIterable<CsvRecord[]> = {
    [Symbol.asyncIterator]: () =>
      inBatches(dataRecords(path, layout, limits, headerLine), maxRows, batchSize),
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

interface Limits {
  maxRows: number;
  maxBlankLines: number;
}

/** The records after the header line, one by one. */
async function* dataRecords(
  path: string,
  layout: Layout,
  limits: Limits,
  headerLine: number,
): AsyncGenerator<CsvRecord> {
  for await (const records of readRecords(path, layout, limits)) {
    for (const record of records) if (record.rowNumber > headerLine) yield record;
  }
}

/**
 * The file's non-blank records in order, a decoded chunk's worth at a time (never empty);
 * closes the file when it stops. Throws once the blank lines exceed their limit.
 */
async function* readRecords(
  path: string,
  layout: Layout,
  limits: Limits,
): AsyncGenerator<CsvRecord[]> {
  const file = createReadStream(path, { start: layout.bomLength, highWaterMark: READ_CHUNK_BYTES });
  try {
    const text = decodeChunks(file, layout.encoding);
    let source: AsyncIterable<string> = text;
    if (layout.delimiter === undefined) {
      const peeked = await peekHeaderLine(text);
      layout.delimiter = detectDelimiter(peeked.headerLine);
      source = replay(peeked.prefix, text);
    }
    const parser = new CsvRecordParser(layout.delimiter);
    for await (const chunk of source) yield* parsed(parser, limits, () => parser.feed(chunk));
    yield* parsed(parser, limits, () => parser.end());
  } finally {
    file.destroy();
  }
}

/**
 * Runs one step of the parser, then yields the records it parsed, also those before a bad one
 * (as they come in the file) before its error is thrown.
 */
function* parsed(parser: CsvRecordParser, limits: Limits, step: () => void) {
  let failure: unknown;
  try {
    step();
  } catch (error) {
    failure = error;
  }
  if (parser.blankRecords > limits.maxBlankLines) throw tooManyBlankLines(limits.maxBlankLines);
  if (parser.records.length > 0) yield parser.records.splice(0);
  if (failure !== undefined) throw failure;
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

// ------------------------------------------------------------------------------------ errors

function tooManyBlankLines(maxBlankLines: number): InvalidError {
  return new InvalidError(
    [detail('file', 'too_many_blank_lines', String(maxBlankLines))],
    `the file has more than ${maxBlankLines} blank lines`,
  );
}
