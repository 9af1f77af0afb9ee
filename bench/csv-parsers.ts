/**
 * Which CSV parser may read imports: each candidate's speed on the bench's clients file, and
 * whether it reads random texts exactly as the fast-csv reference does (the differential of
 * `src/import/csv/csv-record-parser.spec.ts`). See docs/performance.md.
 *
 *   npm run bench:csv-parsers -- [--rows 100000] [--runs 5] [--fuzz 20000]
 *
 * fast-csv and CsvRecordParser are always measured; Papa Parse, uDSV and csv-parse when they are
 * installed (`npm install --no-save papaparse udsv csv-parse`). Every candidate streams the file
 * (64 KB reads, decoded as the reader does) and turns its rows into the reader's records:
 * trimmed cells, the line where the record starts, blank records set apart, `invalid_csv`
 * naming that line. One JSON line per candidate on stdout; disagreements on stderr.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { generateCsv } from './csv-gen.js';
import { CsvRecordParser, invalidCsv } from '../src/import/csv/csv-record-parser.js';
import {
  DELIMITERS,
  describeError,
  FastCsvRecordParser,
  parseWithFastCsv,
  randomCsv,
  rng,
  type ParseOutcome,
} from '../src/import/csv/csv-differential.spec-helper.js';
import { openCsv, type CsvRecord } from '../src/import/csv/read-csv.js';

interface Candidate {
  name: string;
  /** Parses the file as a stream; resolves to the number of non-blank records. */
  stream(path: string, delimiter: string): Promise<number>;
  /** Parses a whole text, for the differential (not for the reference nor the whole reader). */
  parse?(text: string, delimiter: string): ParseOutcome | Promise<ParseOutcome>;
}

/** The file decoded as the reader decodes it (UTF-8 here), 64 KB of bytes at a time. */
async function* decoded(path: string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    const text = decoder.decode(chunk as Buffer, { stream: true });
    if (text) yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}

/** A library's raw rows as the reader's records (what fast-csv's wrapper did, for every library). */
class Numbering {
  line = 1;
  count = 0;
  readonly outcome: ParseOutcome = { records: [], blankRecords: 0 };

  constructor(private readonly keep: boolean) {}

  add(raw: readonly string[]): void {
    const rowNumber = this.line;
    let breaks = 0;
    let blank = true;
    const cells = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const cell = raw[i];
      if (cell.includes('\n') || cell.includes('\r')) breaks += cell.match(/\r\n|\r|\n/g)!.length;
      cells[i] = cell.trim();
      if (cells[i] !== '') blank = false;
    }
    this.line += 1 + breaks;
    if (blank) {
      this.outcome.blankRecords += 1;
      return;
    }
    this.count += 1;
    if (this.keep) this.outcome.records.push({ rowNumber, cells });
  }

  fail(line = this.line, problem = 'bad quoting'): ParseOutcome {
    this.outcome.error = describeError(invalidCsv(line, problem));
    return this.outcome;
  }
}

function fastCsv(): Candidate {
  return {
    name: 'fast-csv 5 (the reader before)',
    async stream(path, delimiter) {
      let count = 0;
      const parser = new FastCsvRecordParser(delimiter);
      pipeline(Readable.from(decoded(path), { highWaterMark: 1 }), parser, () => undefined);
      for await (const record of parser as AsyncIterable<CsvRecord>) {
        if (record.cells.some((cell) => cell !== '')) count += 1;
      }
      return count;
    },
  };
}

function recordParser(): Candidate {
  return {
    name: 'CsvRecordParser (ours)',
    async stream(path, delimiter) {
      let count = 0;
      const parser = new CsvRecordParser(delimiter);
      for await (const text of decoded(path)) {
        parser.feed(text);
        count += parser.records.splice(0).length;
      }
      parser.end();
      return count + parser.records.length;
    },
    parse(text, delimiter) {
      const parser = new CsvRecordParser(delimiter);
      const outcome: ParseOutcome = { records: parser.records, blankRecords: 0 };
      try {
        parser.feed(text);
        parser.end();
      } catch (error) {
        outcome.error = describeError(error);
      }
      outcome.blankRecords = parser.blankRecords;
      return outcome;
    },
  };
}

/** The whole reader (encoding check, header pass, batches), for the cost around the parser. */
function reader(): Candidate {
  return {
    name: 'openCsv (the reader, with CsvRecordParser)',
    async stream(path) {
      const { batches } = await openCsv(path, { maxRows: 10_000_000, batchSize: 2500 });
      let count = 1; // the header
      for await (const batch of batches) count += batch.length;
      return count;
    },
  };
}

type Library = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function optional(name: string): Library | undefined {
  try {
    return createRequire(import.meta.url)(name) as Library;
  } catch {
    return undefined;
  }
}

function papaParse(Papa: Library): Candidate {
  const config = (delimiter: string) => ({
    delimiter,
    quoteChar: '"',
    escapeChar: '"',
    header: false,
    dynamicTyping: false,
    skipEmptyLines: false,
  });
  return {
    name: `Papa Parse ${Papa.Papa?.VERSION ?? ''}`.trim(),
    stream(path, delimiter) {
      const numbering = new Numbering(false);
      return new Promise((resolve, reject) => {
        Papa.parse(Readable.from(decoded(path)), {
          ...config(delimiter),
          chunk: (results: { data: string[][] }) => {
            for (const row of results.data) numbering.add(row);
          },
          complete: () => resolve(numbering.count),
          error: reject,
        });
      });
    },
    parse(text, delimiter) {
      const numbering = new Numbering(true);
      if (text === '') return numbering.outcome;
      const result = Papa.parse(text, config(delimiter)) as {
        data: string[][];
        errors: { row: number }[];
      };
      // Papa ends a text that ends with a line break with one empty row.
      const rows = /[\r\n]$/.test(text) ? result.data.slice(0, -1) : result.data;
      const bad = result.errors.length > 0 ? result.errors[0].row : -1;
      for (let i = 0; i < rows.length; i++) {
        if (i === bad) return numbering.fail();
        numbering.add(rows[i]);
      }
      return bad >= 0 ? numbering.fail() : numbering.outcome;
    },
  };
}

function csvParse(library: Library): Candidate {
  const options = (delimiter: string) => ({
    delimiter,
    relax_column_count: true,
    // fast-csv keeps a quote inside an unquoted cell; strict csv-parse refuses it.
    relax_quotes: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  return {
    name: 'csv-parse 7',
    async stream(path, delimiter) {
      const numbering = new Numbering(false);
      const parser = library.parse(options(delimiter));
      await new Promise<void>((resolve, reject) =>
        pipeline(
          Readable.from(decoded(path)),
          parser,
          new Writable({
            objectMode: true,
            write(row: string[], _encoding, done) {
              numbering.add(row);
              done();
            },
          }),
          (error) => (error ? reject(error) : resolve()),
        ),
      );
      return numbering.count;
    },
    parse(text, delimiter) {
      const numbering = new Numbering(true);
      const sync = optional('csv-parse/sync')!;
      try {
        sync.parse(text, {
          ...options(delimiter),
          on_record: (row: string[]) => (numbering.add(row), row),
        });
      } catch {
        return numbering.fail();
      }
      return numbering.outcome;
    },
  };
}

function uDsv(library: Library): Candidate {
  const parserFor = (text: string, delimiter: string) =>
    library.initParser(library.inferSchema(text, { col: delimiter, encl: '"', header: () => [] }));
  return {
    name: 'uDSV 0.7',
    async stream(path, delimiter) {
      const numbering = new Numbering(false);
      let parser: Library | undefined;
      for await (const text of decoded(path)) {
        const current = (parser ??= parserFor(text, delimiter) as Library);
        current.chunk(text, current.stringArrs, (row: string[]) => numbering.add(row));
      }
      parser?.end();
      return numbering.count;
    },
    parse(text, delimiter) {
      const numbering = new Numbering(true);
      if (text.trim() === '') return numbering.outcome;
      try {
        for (const row of parserFor(text, delimiter).stringArrs(text) as string[][]) {
          numbering.add(row);
        }
      } catch {
        return numbering.fail();
      }
      return numbering.outcome;
    },
  };
}

/** One or two texts of each kind of input the reader's tests cover, with their delimiter. */
const KINDS: Record<string, [string, string][]> = {
  'quotes, doubled quotes': [[',', 'a,"b,c","d ""e"""\n']],
  'multi-line cell': [[',', 'a,"x\ny"\nb,"1\r\n2\r3"\nc\n']],
  'BOM character': [[',', '\ufeffa,b\n1,2\n']],
  'semicolon, tab, pipe': [
    [';', 'a;"b;c"\n1;2\n'],
    ['\t', 'a\t"b\tc"\n1\t2\n'],
    ['|', 'a|"b|c"\n1|2\n'],
  ],
  'ragged rows': [[',', 'a,b,c\n1\n1,2,3,4\n']],
  'unclosed quote': [[',', 'a,b\n1,"x\n2,3\n']],
  'text after a closing quote': [[',', 'a,b\n"x"y,1\n']],
  'Unicode spaces around quotes': [
    [',', 'a,b\n"x"\u00a0,y\n'],
    [',', 'a,b\n "x" ,\u3000"y"\n'],
  ],
  'CRLF, LF, CR, mixed': [
    [',', 'a,b\r\n1,2\r\n'],
    [',', 'a,b\r1,2\r3,4'],
    [',', 'a\r\nb\nc\rd\n'],
  ],
  'empty and blank lines': [[',', 'a\n\n  \n,,\nb\n\n']],
  'quote inside an unquoted cell': [[',', 'a"b,c\n']],
};

/** Records and error as the import sees them (blank records are skipped either way). */
function seen(outcome: ParseOutcome): string {
  return JSON.stringify(outcome.error ?? outcome.records);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '5' },
      fuzz: { type: 'string', default: '20000' },
    },
  });
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  const fuzz = Number(values.fuzz);
  const candidates = [fastCsv(), recordParser(), reader()];
  const papa = optional('papaparse');
  const udsv = optional('udsv');
  const csv = optional('csv-parse');
  if (papa) candidates.push(papaParse(papa));
  if (udsv) candidates.push(uDsv(udsv));
  if (csv) candidates.push(csvParse(csv));

  const dir = await mkdtemp(join(tmpdir(), 'csv-parsers-'));
  try {
    const path = join(dir, 'clients.csv');
    const { bytes } = await generateCsv('clients', rows, path);
    process.stderr.write(`clients file: ${rows} rows, ${(bytes / 1024 / 1024).toFixed(1)} MB\n`);
    for (const candidate of candidates) {
      const seconds: number[] = [];
      let records = 0;
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        records = await candidate.stream(path, ',');
        seconds.push((performance.now() - started) / 1000);
      }
      seconds.sort((a, b) => a - b);
      let disagreements: number | null = null;
      if (candidate.parse) {
        disagreements = 0;
        const random = rng(20261202);
        for (let i = 0; i < fuzz; i++) {
          const delimiter = DELIMITERS[Math.floor(random() * DELIMITERS.length)];
          const text = randomCsv(random, delimiter);
          const expected = seen(await parseWithFastCsv([text], delimiter));
          const actual = seen(await candidate.parse(text, delimiter));
          if (expected === actual) continue;
          if (++disagreements <= 3) {
            process.stderr.write(
              `${candidate.name} disagrees on ${JSON.stringify(text)} (delimiter ${JSON.stringify(delimiter)}):\n` +
                `  fast-csv ${expected}\n  ${candidate.name} ${actual}\n`,
            );
          }
        }
      }
      const kindsFailed: string[] = [];
      if (candidate.parse) {
        for (const [kind, texts] of Object.entries(KINDS)) {
          for (const [delimiter, text] of texts) {
            const expected = seen(await parseWithFastCsv([text], delimiter));
            if (seen(await candidate.parse(text, delimiter)) !== expected) {
              kindsFailed.push(kind);
              break;
            }
          }
        }
      }
      const result = {
        parser: candidate.name,
        records,
        parse_s_min: Number(seconds[0].toFixed(3)),
        parse_s_median: Number(seconds[Math.floor(seconds.length / 2)].toFixed(3)),
        parse_s_max: Number(seconds.at(-1)!.toFixed(3)),
        fuzz_texts: disagreements === null ? null : fuzz,
        fuzz_disagreements: disagreements,
        kinds_failed: candidate.parse ? kindsFailed : null,
      };
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`csv-parsers failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
