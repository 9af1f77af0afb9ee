/**
 * Read speed and memory of the Excel reader, next to the CSV reader on the same rows.
 *
 *   npm run build && tsc -p bench/tsconfig.json && node bench/out/bench/xlsx-read.js --rows 100000
 *
 * Generates the bench's clients CSV (csv-gen.ts), writes the same cells into an .xlsx with
 * exceljs' streaming writer (text cells in the shared strings table, as Excel saves them), then
 * reads each file to the end in a fresh child process: `openCsv`, `openXlsx`, and exceljs' own
 * streaming reader for reference. Prints one JSON line: rows, seconds, rows/s and the child's
 * peak RSS (maxRSS) per reader, and the file sizes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { openCsv } from '../src/import/csv/read-csv.js';
import { openXlsx } from '../src/import/xlsx/read-xlsx.js';
import { generateCsv } from './csv-gen.js';
import { csvToXlsx } from './xlsx-gen.js';

type Reader = 'csv' | 'xlsx' | 'exceljs';

const LIMITS = { maxUncompressedBytes: 500 * 1024 * 1024, maxEntries: 1000 };

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1] : fallback;
}

/** Child: reads `path` to the end with `reader`, prints `{ rows, seconds, peakRssMb }`. */
async function readOnce(reader: Reader, path: string): Promise<void> {
  const started = process.hrtime.bigint();
  let rows = 0;
  if (reader === 'exceljs') {
    const book = new ExcelJS.stream.xlsx.WorkbookReader(path, { sharedStrings: 'cache' });
    for await (const sheet of book) {
      for await (const _row of sheet) rows++;
      break;
    }
    rows -= 1; // the header
  } else {
    const options = { maxRows: Number.MAX_SAFE_INTEGER, ...LIMITS };
    const { batches } =
      reader === 'csv' ? await openCsv(path, options) : await openXlsx(path, options);
    for await (const batch of batches) rows += batch.length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(JSON.stringify({ rows, seconds, peakRssMb }));
}

async function main(): Promise<void> {
  const child = option('read', '');
  if (child) return readOnce(child as Reader, option('path', ''));

  const rows = Number(option('rows', '100000'));
  const dir = await mkdtemp(join(tmpdir(), 'xlsx-bench-'));
  try {
    const csvPath = join(dir, 'clients.csv');
    const xlsxPath = join(dir, 'clients.xlsx');
    process.stderr.write(`generating ${rows} rows…\n`);
    await generateCsv('clients', rows, csvPath);
    await csvToXlsx(csvPath, xlsxPath, { sheetName: 'Clients', blankEmpty: false });
    const result: Record<string, unknown> = {
      rows,
      csvMb: +((await stat(csvPath)).size / 1e6).toFixed(1),
      xlsxMb: +((await stat(xlsxPath)).size / 1e6).toFixed(1),
      node: process.version,
    };
    const script = fileURLToPath(import.meta.url);
    for (const reader of ['csv', 'xlsx', 'exceljs'] as const) {
      process.stderr.write(`reading with ${reader}…\n`);
      const path = reader === 'csv' ? csvPath : xlsxPath;
      const run = spawnSync(process.execPath, [script, '--read', reader, '--path', path], {
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`${reader} failed: ${run.stderr}`);
      const measured = JSON.parse(run.stdout) as {
        rows: number;
        seconds: number;
        peakRssMb: number;
      };
      result[reader] = {
        ...measured,
        seconds: +measured.seconds.toFixed(2),
        rowsPerSecond: Math.round(measured.rows / measured.seconds),
      };
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
