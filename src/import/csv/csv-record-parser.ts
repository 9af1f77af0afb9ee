/**
 * The CSV grammar of the import, as one streaming state machine over decoded text.
 *
 * It reads exactly what fast-csv 5 (the parser used before, still the reference of the
 * differential spec `csv-record-parser.spec.ts`) reads with `trim: false, ignoreEmpty: false`,
 * then trims each cell:
 * - records end at `\r\n`, `\n` or a lone `\r` outside quotes (mixed endings allowed);
 * - a cell whose first character other than white space is `"` is quoted: `""` inside stands
 *   for one quote, line breaks are kept; after the closing quote only white space may come before
 *   the delimiter or the end of the record, otherwise the file is invalid, as is a quote that is
 *   never closed; any other cell is taken as written up to the delimiter, quotes included;
 * - "white space" is JavaScript's (`\s`, as `String.prototype.trim`): Unicode spaces such as the
 *   no-break space included, the delimiter and line breaks excluded.
 *
 * It also numbers records by physical line (the line where a record starts; line breaks inside
 * quoted cells count), sets blank records (no cell, or only empty cells) apart without keeping
 * them, and refuses a record longer than MAX_RECORD_CHARS, so that an unterminated quote early
 * in a big file fails at once instead of buffering the rest of the file.
 *
 * A record split across chunks is parsed again from its start once more text has come; a long
 * record is retried only when the text has doubled, so the work stays linear in the file.
 */
import { detail, InvalidError } from '../../shared/domain-error.js';
import type { CsvRecord } from './read-csv.js';

/** Longest record accepted, in UTF-16 code units (line break included). */
export const MAX_RECORD_CHARS = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
/** parseRecord's answer when the text ends before the record does. */
const INCOMPLETE = -1;
/** Below this many buffered characters an unfinished record is parsed again with every chunk. */
const RETRY_EVERY_CHUNK_CHARS = 64 * 1024;

export class CsvRecordParser {
  /** Non-blank records parsed so far, in file order; the caller takes them out. */
  readonly records: CsvRecord[] = [];
  /** Blank records seen so far (skipped, never kept). */
  blankRecords = 0;

  private readonly delimiter: number;
  /** Text not yet parsed: the start of an unfinished record. */
  private pending = '';
  /** The line where the next record starts. */
  private line = 1;
  /** `pending` is parsed again once it is at least this long (or at the end). */
  private retryAt = 0;
  /** Cells of the record being parsed; handed over with a non-blank record, reused otherwise. */
  private cells: string[] = [];
  /** Line breaks inside the quoted cells of the record being parsed. */
  private breaks = 0;

  constructor(delimiter: string) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\r' || delimiter === '\n')
      throw new RangeError(`unsupported delimiter ${JSON.stringify(delimiter)}`);
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Parses the complete records of `pending + text`; keeps the rest for the next call. */
  feed(text: string): void {
    this.pending = this.pending === '' ? text : this.pending + text;
    if (this.pending.length >= this.retryAt) this.parse(false);
  }

  /** The text has ended: parses what is left (the last record needs no line break). */
  end(): void {
    this.parse(true);
    this.pending = '';
  }

  private parse(final: boolean): void {
    const text = this.pending;
    let start = 0;
    for (;;) {
      const end = this.parseRecord(text, start, final);
      if (end === INCOMPLETE) break;
      const rowNumber = this.line;
      this.line += 1 + this.breaks;
      if (end - start > MAX_RECORD_CHARS) throw recordTooLong(rowNumber);
      if (this.cells.every(isEmpty)) {
        this.blankRecords += 1;
      } else {
        this.records.push({ rowNumber, cells: this.cells });
        this.cells = [];
      }
      start = end;
    }
    // What is left is one unfinished record (or, at the end, white space after the last one).
    const left = text.length - start;
    if (left > MAX_RECORD_CHARS) throw recordTooLong(this.line);
    this.pending = start === 0 ? text : text.slice(start);
    this.retryAt = left < RETRY_EVERY_CHUNK_CHARS ? 0 : 2 * left;
  }

  /**
   * Parses the record that starts at `start` into `this.cells` and `this.breaks`; returns where
   * the next record starts, or INCOMPLETE when the text ends first (unless `final`).
   */
  private parseRecord(text: string, start: number, final: boolean): number {
    const length = text.length;
    const d = this.delimiter;
    const cells = this.cells;
    cells.length = 0;
    this.breaks = 0;
    // Only white space left: no record (yet).
    let token = this.skipSpace(text, start);
    if (token === length) return INCOMPLETE;
    // Where the next cell's text starts: a cell at the start of the record keeps its leading
    // white space (trimmed below); after a delimiter, the character after it.
    let cellAt = start;
    if (text.charCodeAt(token) === d) cells.push('');
    for (;;) {
      if (token === length) return final ? length : INCOMPLETE;
      const c = text.charCodeAt(token);
      if (c === LF || c === CR) {
        if (c === LF) return token + 1;
        if (token + 1 < length) return text.charCodeAt(token + 1) === LF ? token + 2 : token + 1;
        // A \r at the end of the text may be the first half of \r\n.
        return final ? length : INCOMPLETE;
      }
      if (c === d) {
        cellAt = token + 1;
        const next = cellAt < length ? text.charCodeAt(cellAt) : -1;
        if (next === -1 || next === LF || next === CR || next === d) {
          cells.push('');
          token = cellAt;
          continue;
        }
      }
      const quote = this.skipSpace(text, cellAt);
      if (quote < length && text.charCodeAt(quote) === QUOTE) {
        const close = this.readQuoted(text, quote, final);
        if (close === INCOMPLETE) return INCOMPLETE;
        token = this.skipSpace(text, close + 1);
        if (token < length) {
          const after = text.charCodeAt(token);
          if (after !== d && after !== LF && after !== CR) {
            throw invalidCsv(this.line, 'a character after a closing quote');
          }
        } else if (!final) {
          return INCOMPLETE;
        }
      } else {
        let end = cellAt;
        for (; end < length; end++) {
          const ch = text.charCodeAt(end);
          if (ch === d || ch === LF || ch === CR) break;
        }
        cells.push(trimmedSlice(text, cellAt, end));
        token = end;
      }
    }
  }

  /**
   * Reads the quoted cell whose opening quote is at `open` into `this.cells`; returns the index
   * of its closing quote, or INCOMPLETE when the text ends first (an error when `final`).
   */
  private readQuoted(text: string, open: number, final: boolean): number {
    const length = text.length;
    let value = '';
    let from = open + 1;
    for (let i = from; ; i++) {
      if (i >= length) {
        if (final) throw invalidCsv(this.line, 'an unterminated quoted field');
        return INCOMPLETE;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        // `""` stands for one quote; a quote last in the text closes (fast-csv reads it so, and
        // a record cut there is parsed again once more text has come).
        if (i + 1 < length && text.charCodeAt(i + 1) === QUOTE) {
          value += text.slice(from, i + 1);
          from = i + 2;
          i += 1;
          continue;
        }
        value += text.slice(from, i);
        this.cells.push(value.trim());
        return i;
      }
      // \r\n, \r and \n are one line break each; the character before an \n inside the cell is
      // its content (never the opening quote nor half of a `""`, which are not \r).
      if (c === CR || (c === LF && text.charCodeAt(i - 1) !== CR)) this.breaks += 1;
    }
  }

  /** The first index from `from` that is not white space (line breaks and the delimiter are not). */
  private skipSpace(text: string, from: number): number {
    const d = this.delimiter;
    let i = from;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === LF || c === CR || c === d || !isSpace(c)) break;
    }
    return i;
  }
}

/** JavaScript's white space and line terminators: what `\s` matches and `trim()` removes. */
function isSpace(c: number): boolean {
  if (c < 0xa0) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** `text.slice(from, to).trim()` without the untrimmed copy. */
function trimmedSlice(text: string, from: number, to: number): string {
  let a = from;
  let b = to;
  while (a < b && isSpace(text.charCodeAt(a))) a++;
  while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
  return a === b ? '' : text.slice(a, b);
}

function isEmpty(cell: string): boolean {
  return cell === '';
}

export function invalidCsv(line: number, problem: string): InvalidError {
  return new InvalidError(
    [detail('file', 'invalid_csv', `line ${line}`)],
    `invalid CSV: ${problem} at line ${line}`,
  );
}

function recordTooLong(line: number): InvalidError {
  return invalidCsv(line, `a record longer than ${MAX_RECORD_CHARS} characters`);
}
