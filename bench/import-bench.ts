/**
 * Import benchmark: validate + confirm of an N-row CSV (or the same rows as an .xlsx workbook)
 * through the built server, against the raw speed of PostgreSQL (COPY; the same rows inserted
 * server-side into the entity's indexed table) and of one INSERT round trip per row. See
 * bench/README.md.
 *
 *   npm run bench:import -- --rows 100000 [--entity clients|customers] [--format csv|xlsx] [--async]
 *                           [--validate-only] [--embedded]
 *                           [--revert]         (then undo the import, timed)
 *                           [--cpu-prof DIR]   (the server writes a CPU profile to DIR when it stops)
 *
 * One JSON line on stdout; progress on stderr.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import {
  columnsOf,
  type Entity,
  type ExistingClient,
  generateCsv,
  ORGANIZATIONS,
} from './csv-gen.js';
import { jsonRequest, postJson, type StreamedAnswer, uploadCsv } from './http-util.js';
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  readRecords,
  seedForClients,
  timeCopy,
  timeFloorInsert,
  timeNaive,
} from './pg-baselines.js';
import { csvToXlsx } from './xlsx-gen.js';

// Compiled to bench/out/bench/ (the bench shares the domain's column lists with src/).
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SERVER_MAIN = join(ROOT, 'dist', 'main.js');
const BUSINESS_UID = 'bench-business';
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const T0 = performance.now();

class BenchError extends Error {}

function log(message: string): void {
  const s = ((performance.now() - T0) / 1000).toFixed(1).padStart(7);
  process.stderr.write(`[bench ${s}s] ${message}\n`);
}

const spent = (before: number | null, after: number | null): number | null =>
  before === null || after === null ? null : after - before;

const round = (n: number | null, digits = 3): number | null =>
  n === null || !Number.isFinite(n) ? null : Number(n.toFixed(digits));

type Format = 'csv' | 'xlsx';

const UPLOADS: Record<Format, { name: string; type: string }> = {
  csv: { name: 'import.csv', type: 'text/csv' },
  xlsx: {
    name: 'import.xlsx',
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  },
};

interface Args {
  rows: number;
  entity: Entity;
  /** What is uploaded: the generated CSV, or the same rows as a workbook. */
  format: Format;
  validateOnly: boolean;
  /** `Prefer: respond-async`: 202 at once, then the status polled until the job rests. */
  async: boolean;
  embedded: boolean;
  naiveRows: number;
  /** After confirm, undo the import (`POST {one}/revert`) and time it. */
  revert: boolean;
  /** A folder: the server runs with --cpu-prof and writes its profile there on exit. */
  cpuProf?: string;
}

function readArgs(): Args {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '100000' },
      entity: { type: 'string', default: 'clients' },
      format: { type: 'string', default: 'csv' },
      'validate-only': { type: 'boolean', default: false },
      async: { type: 'boolean', default: false },
      revert: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      embedded: { type: 'boolean', default: false },
      'naive-rows': { type: 'string', default: '10000' },
    },
    strict: true,
  });
  const rows = Number(values.rows);
  const naiveRows = Number(values['naive-rows']);
  if (!Number.isInteger(rows) || rows < 1) throw new BenchError(`--rows: a positive integer`);
  if (!Number.isInteger(naiveRows) || naiveRows < 1)
    throw new BenchError(`--naive-rows: a positive integer`);
  if (values.entity !== 'clients' && values.entity !== 'customers')
    throw new BenchError(`--entity: clients or customers`);
  if (values.format !== 'csv' && values.format !== 'xlsx')
    throw new BenchError(`--format: csv or xlsx`);
  return {
    rows,
    entity: values.entity,
    format: values.format,
    validateOnly: values['validate-only'],
    async: values.async,
    revert: values.revert,
    cpuProf: values['cpu-prof'],
    embedded: values.embedded,
    naiveRows,
  };
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

/** The server child process, with the tail of its output kept for error reports. */
class Server {
  private tail = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    const keep = (prefix: string) => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.tail = (this.tail + text).slice(-16_000);
      for (const line of text.split('\n')) if (line.trim()) log(`${prefix} ${line}`);
    };
    child.stdout!.on('data', keep('[server]'));
    child.stderr!.on('data', keep('[server stderr]'));
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        done();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /**
   * CPU seconds the server process has used so far, all its threads (/proc/<pid>/stat, Linux):
   * less disturbed than wall time by other work on a shared machine.
   */
  cpuSeconds(): number | null {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ
    } catch {
      return null;
    }
  }

  output(): string {
    return this.tail.trim() || '(no output)';
  }

  assertAlive(): void {
    if (this.exit) {
      throw new BenchError(
        `the server exited (code ${this.exit.code}, signal ${this.exit.signal}); its last output:\n${this.output()}`,
      );
    }
  }

  async stop(): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      log('the server did not stop within 5 s: SIGKILL');
      this.child.kill('SIGKILL');
    }, 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The node options `npm start` runs the server with (e.g. its heap cap), so the bench measures that. */
function startOptions(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) dist\/main\.js$/.exec(pkg.scripts.start);
  if (!match)
    throw new BenchError(`package.json start is not "node [--flag[=value]…] dist/main.js"`);
  return match[1].split(' ').filter(Boolean);
}

function startServer(env: NodeJS.ProcessEnv, cwd: string, nodeArgs: string[] = []): Server {
  return new Server(
    spawn(process.execPath, [...startOptions(), ...nodeArgs, SERVER_MAIN], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

async function waitForHealth(server: Server, base: string, timeoutS = 120): Promise<void> {
  const deadline = performance.now() + timeoutS * 1000;
  while (performance.now() < deadline) {
    server.assertAlive();
    try {
      const res = await fetch(`${base}/health`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new BenchError(`/health did not answer 200 within ${timeoutS} s:\n${server.output()}`);
}

/** Peak resident memory of a process, sampled from /proc every 100 ms. */
class RssSampler {
  peakKb = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    private readonly base?: string,
  ) {
    this.sample();
    let ticks = 0;
    const t0 = performance.now();
    this.timer = setInterval(() => {
      const kb = this.sample();
      // A coarse timeline on stderr: does memory grow with the file? With the main thread's
      // V8 heap and external memory from the server's /metrics, to tell where it goes.
      if (++ticks % 50 === 0 && kb !== null) {
        const s = ((performance.now() - t0) / 1000).toFixed(0);
        void this.heap().then((heap) =>
          log(`  server RSS ${(kb / 1024).toFixed(0)} MB at +${s} s${heap}`),
        );
      }
    }, 100);
  }

  /** ` (heap used/total …, external …)` from the server's Node metrics, or '' if unavailable. */
  private async heap(): Promise<string> {
    if (!this.base) return '';
    try {
      const text = await (await fetch(`${this.base}/metrics`)).text();
      const mb = (name: string) => {
        const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
        return m ? (Number(m[1]) / 1024 / 1024).toFixed(0) : '?';
      };
      return ` (heap used/total ${mb('nodejs_heap_size_used_bytes')}/${mb('nodejs_heap_size_total_bytes')} MB, external ${mb('nodejs_external_memory_bytes')} MB)`;
    } catch {
      return '';
    }
  }

  private field(name: string): number | null {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  sample(): number | null {
    const kb = this.field('VmRSS');
    if (kb !== null && kb > this.peakKb) this.peakKb = kb;
    return kb;
  }

  /** The peak: the samples and the kernel's high-water mark, whichever is larger. */
  stop(): number | null {
    clearInterval(this.timer);
    this.sample();
    const hwm = this.field('VmHWM') ?? 0;
    const kb = Math.max(this.peakKb, hwm);
    return kb > 0 ? kb / 1024 : null;
  }
}

function checkAnswer(what: string, answer: StreamedAnswer, server: Server): void {
  if (answer.status !== 200) {
    throw new BenchError(
      `${what}: HTTP ${answer.status}; first 500 bytes:\n${answer.start}\n--- server output:\n${server.output()}`,
    );
  }
  if (!answer.complete || answer.head === null) {
    throw new BenchError(
      `${what}: the answer is ${answer.complete ? 'missing its head' : 'cut short'} (${answer.bytes} bytes); first 500 bytes:\n${answer.start}\n--- server output:\n${server.output()}`,
    );
  }
}

const num = (head: Record<string, unknown> | null, key: string): number | null =>
  typeof head?.[key] === 'number' ? (head[key] as number) : null;

/** Embedded database: the records a clients file relies on, created through the API. */
async function seedThroughApi(
  base: string,
  token: string,
  existing: ExistingClient[],
): Promise<void> {
  for (const [i, name] of ORGANIZATIONS.entries()) {
    const r = await jsonRequest(`${base}/customers`, {
      method: 'POST',
      token,
      body: {
        company_name: name,
        vat_number: String(90000000000 + i).padStart(11, '0'),
        language: 'it',
      },
    });
    if (r.status !== 201) throw new BenchError(`seeding a customer: HTTP ${r.status} ${r.text}`);
  }
  let next = 0;
  const worker = async () => {
    while (next < existing.length) {
      const client = existing[next++];
      const r = await jsonRequest(`${base}/business/clients/v1/clients`, {
        method: 'POST',
        token,
        body: client,
      });
      if (r.status !== 201)
        throw new BenchError(`seeding a client: HTTP ${r.status} ${r.text.slice(0, 500)}`);
    }
  };
  // One request at a time: concurrent requests on the embedded database desynchronise its
  // single PGlite session ("unnamed prepared statement does not exist") and can hang the server.
  await Promise.all(Array.from({ length: 1 }, worker));
}

async function main(): Promise<void> {
  const args = readArgs();
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    while (cleanups.length > 0) {
      try {
        await cleanups.pop()!();
      } catch (error) {
        log(`cleanup: ${(error as Error).message}`);
      }
    }
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const tmp = await mkdtemp(join(tmpdir(), 'import-bench-'));
    cleanups.push(() => rm(tmp, { recursive: true, force: true }));
    const csvPath = join(tmp, `${args.entity}.csv`);

    log(`generating ${args.rows} ${args.entity} rows`);
    const generated = await generateCsv(args.entity, args.rows, csvPath);
    log(`  ${(generated.bytes / 1024 / 1024).toFixed(1)} MB`);
    // The workbook holds the same cells (empty ones left out, as a spreadsheet saves them);
    // the baselines below load the CSV either way.
    let uploadPath = csvPath;
    if (args.format === 'xlsx') {
      uploadPath = join(tmp, `${args.entity}.xlsx`);
      log('writing the same rows as an .xlsx (exceljs streaming writer)');
      const sheetName = args.entity === 'clients' ? 'Clients' : 'Customers';
      await csvToXlsx(csvPath, uploadPath, { sheetName, blankEmpty: true });
    }
    const uploadBytes = (await stat(uploadPath)).size;
    if (args.format === 'xlsx') log(`  ${(uploadBytes / 1024 / 1024).toFixed(1)} MB`);

    const serverUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
    let benchUrl: string | null = null;
    if (!args.embedded) {
      const name = `import_bench_${Date.now()}`;
      await createDatabase(serverUrl, name);
      cleanups.push(async () => {
        await dropDatabase(serverUrl, name);
        log(`dropped database ${name}`);
      });
      benchUrl = databaseUrl(serverUrl, name);
      log(`created database ${name}`);
    }

    const secret = randomBytes(36).toString('base64url'); // 48 characters
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of ['DATABASE_URL', 'AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'SMTP_URL'])
      delete env[key];
    Object.assign(env, {
      NODE_ENV: 'production',
      // As the Docker image runs it (Dockerfile).
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
      AUTH_JWT_SECRET: secret,
      // Production requires the key that seals apps' secrets (none are used here).
      APP_SECRET_KEY: randomBytes(32).toString('base64'),
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATA_DIR: join(tmp, 'data'),
      IMPORT_MAX_ROWS: String(Math.max(args.rows, 100_000)),
      IMPORT_MAX_FILE_BYTES: String(2 * 1024 * 1024 * 1024),
      ...(benchUrl ? { DATABASE_URL: benchUrl } : {}),
    });
    log(
      `starting node ${startOptions().join(' ')} ${SERVER_MAIN} on port ${port} (${args.embedded ? 'embedded PGlite' : 'PostgreSQL'})`,
    );
    const server = startServer(
      env,
      tmp,
      args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : [],
    );
    cleanups.push(() => server.stop());
    await waitForHealth(server, base);
    log(`server ready (pid ${server.pid})`);

    const token = await new SignJWT({
      business_uid: BUSINESS_UID,
      scope: 'clients:import customers:import clients:write customers:write',
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('bench-user')
      .setIssuedAt()
      .setExpirationTime('4h')
      .sign(new TextEncoder().encode(secret));

    if (args.entity === 'clients') {
      log(
        `pre-creating ${ORGANIZATIONS.length} customers and ${generated.existingClients.length} clients`,
      );
      if (benchUrl) await seedForClients(benchUrl, BUSINESS_UID, generated.existingClients);
      else await seedThroughApi(base, token, generated.existingClients);
    }
    generated.existingClients.length = 0;

    const prefix = args.entity === 'clients' ? '/business/clients/v1' : '/customers';
    const sampler = new RssSampler(server.pid, base);
    log(`server RSS before the import: ${((sampler.sample() ?? 0) / 1024).toFixed(0)} MB`);

    const phases = args.async
      ? await runAsync(args, base, prefix, token, uploadPath, server)
      : await runSync(args, base, prefix, token, uploadPath, server);
    const { v, c } = phases;
    let revert: StreamedAnswer | null = null;
    let revertCpuS: number | null = null;
    if (args.revert && c) {
      const one = args.entity === 'clients' ? '/business/clients/v1/imports' : '/customers/import';
      log('POST revert');
      const cpuBeforeRevert = server.cpuSeconds();
      revert = await postJson(`${base}${one}/${String(v.import_id)}/revert`, token, {});
      revertCpuS = spent(cpuBeforeRevert, server.cpuSeconds());
      server.assertAlive();
      checkAnswer('revert', revert, server);
      const r = revert.head!;
      log(
        `  ${revert.totalS.toFixed(2)} s (head after ${revert.ttfbS.toFixed(2)} s), ${revert.items} results; ` +
          `deleted ${r.deleted} restored ${r.restored} kept ${r.kept}`,
      );
      const written = num(c, 'created')! + num(c, 'updated')!;
      if (revert.items !== written)
        throw new BenchError(`revert: expected ${written} results, got ${revert.items}`);
    }
    const peakRssMb = sampler.stop();
    log(`server peak RSS ${peakRssMb?.toFixed(0)} MB`);
    await server.stop();

    let copyS: number | null = null;
    let naiveRowsPerS: number | null = null;
    let floorS: number | null = null;
    if (benchUrl) {
      const columns = columnsOf(args.entity);
      log('COPY … FROM STDIN into a bare table');
      const copy = await timeCopy(benchUrl, 'bench_copy', columns, csvPath);
      if (copy.rows !== args.rows)
        throw new BenchError(`COPY loaded ${copy.rows} rows, expected ${args.rows}`);
      copyS = copy.seconds;
      log(`  ${copyS.toFixed(2)} s`);
      log(`floor: INSERT … SELECT of those rows into an empty ${args.entity} table (its indexes)`);
      const floor = await timeFloorInsert(benchUrl, args.entity, 'bench_copy', columns);
      floorS = floor.seconds;
      log(`  ${floorS.toFixed(2)} s, ${floor.rows} rows`);
      const records = await readRecords(csvPath, Math.min(args.naiveRows, args.rows));
      log(`naive: one INSERT per row, ${records.length} rows`);
      const naive = await timeNaive(benchUrl, 'bench_naive', columns, records);
      naiveRowsPerS = naive.rows / naive.seconds;
      log(`  ${naive.seconds.toFixed(2)} s, ${naiveRowsPerS.toFixed(0)} rows/s`);
    }

    const { validateS, confirmS } = phases;
    const totalS = validateS + (confirmS ?? 0);
    // The physical limit of a whole import: staging the rows (COPY) plus storing them where they
    // belong (the floor).
    const limitS = copyS !== null && floorS !== null ? copyS + floorS : null;
    const result = {
      entity: args.entity,
      format: args.format,
      rows: args.rows,
      database: args.embedded ? 'embedded' : 'postgres',
      validate_s: round(validateS),
      confirm_s: round(confirmS),
      total_s: round(totalS),
      copy_s: round(copyS),
      ratio_total_to_copy: round(copyS ? totalS / copyS : null, 2),
      floor_insert_s: round(floorS),
      limit_s: round(limitS),
      ratio_total_to_limit: round(limitS ? totalS / limitS : null, 2),
      ratio_floor_to_copy: round(copyS && floorS ? floorS / copyS : null, 2),
      rows_per_s: round(args.rows / totalS, 1),
      naive_rows_per_s: round(naiveRowsPerS, 1),
      confirm_vs_naive: round(
        confirmS && naiveRowsPerS ? args.rows / confirmS / naiveRowsPerS : null,
        2,
      ),
      floor_vs_naive: round(floorS && naiveRowsPerS ? args.rows / floorS / naiveRowsPerS : null, 2),
      peak_rss_mb: round(peakRssMb, 1),
      valid_rows: num(v, 'valid_rows'),
      warning_rows: num(v, 'warning_rows'),
      error_rows: num(v, 'error_rows'),
      ambiguous_rows: num(v, 'ambiguous_rows'),
      created: num(c, 'created'),
      updated: num(c, 'updated'),
      skipped: num(c, 'skipped'),
      failed: num(c, 'failed'),
      validate_cpu_s: round(phases.validateCpuS, 2),
      confirm_cpu_s: round(phases.confirmCpuS, 2),
      validate_ttfb_s: round(phases.validateTtfbS),
      confirm_ttfb_s: round(phases.confirmTtfbS),
      async: args.async,
      // Asynchronous mode: the time to the 202 (upload received and stored, or confirm accepted).
      validate_202_s: round(phases.validate202S ?? null),
      confirm_202_s: round(phases.confirm202S ?? null),
      csv_mb: round(generated.bytes / 1024 / 1024, 1),
      upload_mb: round(uploadBytes / 1024 / 1024, 1),
      ...(revert
        ? {
            revert_s: round(revert.totalS),
            revert_ttfb_s: round(revert.ttfbS),
            revert_cpu_s: round(revertCpuS, 2),
            deleted: num(revert.head, 'deleted'),
            restored: num(revert.head, 'restored'),
            kept: num(revert.head, 'kept'),
          }
        : {}),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await cleanup();
  }
}

/** What one import took, whichever way it was asked for. */
interface Phases {
  v: Record<string, unknown>;
  c: Record<string, unknown> | null;
  validateS: number;
  confirmS: number | null;
  validateTtfbS: number;
  confirmTtfbS: number | null;
  validateCpuS: number | null;
  confirmCpuS: number | null;
  validate202S?: number;
  confirm202S?: number | null;
}

/** Validate, then confirm, each answer streamed back whole (the seed's contract). */
async function runSync(
  args: Args,
  base: string,
  prefix: string,
  token: string,
  uploadPath: string,
  server: Server,
): Promise<Phases> {
  log(`POST validate (${args.format})`);
  const cpuBeforeValidate = server.cpuSeconds();
  const validate = await uploadCsv(
    `${base}${prefix}/import/validate`,
    token,
    uploadPath,
    {},
    UPLOADS[args.format],
  );
  const validateCpuS = spent(cpuBeforeValidate, server.cpuSeconds());
  server.assertAlive();
  checkAnswer('validate', validate, server);
  const v = validate.head!;
  log(
    `  ${validate.totalS.toFixed(2)} s (head after ${validate.ttfbS.toFixed(2)} s), ` +
      `${(validate.bytes / 1024 / 1024).toFixed(1)} MB answer, ${validate.items} rows; ` +
      `total ${v.total_rows} valid ${v.valid_rows} warning ${v.warning_rows} error ${v.error_rows} ambiguous ${v.ambiguous_rows}`,
  );
  if (v.total_rows !== args.rows || validate.items !== args.rows) {
    throw new BenchError(
      `validate: expected ${args.rows} rows, total_rows=${v.total_rows}, rows listed=${validate.items}`,
    );
  }
  if (args.validateOnly)
    return {
      v,
      c: null,
      validateS: validate.totalS,
      confirmS: null,
      validateTtfbS: validate.ttfbS,
      confirmTtfbS: null,
      validateCpuS,
      confirmCpuS: null,
    };
  log('POST confirm');
  const cpuBeforeConfirm = server.cpuSeconds();
  const confirm = await postJson(`${base}${prefix}/import/confirm`, token, {
    import_id: v.import_id,
    override: true,
  });
  const confirmCpuS = spent(cpuBeforeConfirm, server.cpuSeconds());
  server.assertAlive();
  checkAnswer('confirm', confirm, server);
  const c = confirm.head!;
  log(
    `  ${confirm.totalS.toFixed(2)} s (head after ${confirm.ttfbS.toFixed(2)} s), ` +
      `${(confirm.bytes / 1024 / 1024).toFixed(1)} MB answer, ${confirm.items} results; ` +
      `created ${c.created} updated ${c.updated} skipped ${c.skipped} failed ${c.failed}`,
  );
  if (confirm.items !== args.rows)
    throw new BenchError(`confirm: expected ${args.rows} results, got ${confirm.items}`);
  return {
    v,
    c,
    validateS: validate.totalS,
    confirmS: confirm.totalS,
    validateTtfbS: validate.ttfbS,
    confirmTtfbS: confirm.ttfbS,
    validateCpuS,
    confirmCpuS,
  };
}

/** Polls an import's status until its phase is one of `phases`; returns it. */
async function until(
  base: string,
  location: string,
  token: string,
  phases: string[],
): Promise<Record<string, unknown>> {
  for (;;) {
    const { status, json } = await jsonRequest(`${base}${location}`, { token });
    if (status !== 200) throw new BenchError(`status ${location}: ${status}`);
    const data = (json as { data: Record<string, unknown> }).data;
    if (phases.includes(String(data.phase))) return data;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `Prefer: respond-async`: a 202 at once (the upload stored), then the status until it rests. */
async function runAsync(
  args: Args,
  base: string,
  prefix: string,
  token: string,
  uploadPath: string,
  server: Server,
): Promise<Phases> {
  const ASYNC = { Prefer: 'respond-async' };
  log(`POST validate (${args.format}, Prefer: respond-async)`);
  const validateStarted = performance.now();
  const cpuBeforeValidate = server.cpuSeconds();
  const accepted = await uploadCsv(
    `${base}${prefix}/import/validate`,
    token,
    uploadPath,
    {},
    UPLOADS[args.format],
    ASYNC,
  );
  if (accepted.status !== 202)
    throw new BenchError(`validate: expected 202, got ${accepted.status}: ${accepted.start}`);
  const location = String(accepted.headers.location);
  log(`  202 after ${accepted.totalS.toFixed(2)} s; following ${location}`);
  const v = await until(base, location, token, ['validated', 'failed']);
  const validateS = (performance.now() - validateStarted) / 1000;
  const validateCpuS = spent(cpuBeforeValidate, server.cpuSeconds());
  server.assertAlive();
  if (v.phase !== 'validated' || v.total_rows !== args.rows)
    throw new BenchError(`validate: ${JSON.stringify(v).slice(0, 500)}`);
  log(`  validated: total ${v.total_rows} valid ${v.valid_rows} warning ${v.warning_rows}`);
  const validated = { validate202S: accepted.totalS, validateTtfbS: accepted.ttfbS, validateCpuS };
  if (args.validateOnly)
    return {
      v,
      c: null,
      validateS,
      confirmS: null,
      confirmTtfbS: null,
      confirmCpuS: null,
      ...validated,
    };
  log('POST confirm (Prefer: respond-async)');
  const confirmStarted = performance.now();
  const cpuBeforeConfirm = server.cpuSeconds();
  const confirmAccepted = await postJson(
    `${base}${prefix}/import/confirm`,
    token,
    { import_id: v.import_id, override: true },
    ASYNC,
  );
  if (confirmAccepted.status !== 202)
    throw new BenchError(`confirm: expected 202, got ${confirmAccepted.status}`);
  const c = await until(base, location, token, ['completed', 'failed', 'cancelled']);
  const confirmS = (performance.now() - confirmStarted) / 1000;
  server.assertAlive();
  if (c.phase !== 'completed') throw new BenchError(`confirm: ${JSON.stringify(c).slice(0, 500)}`);
  log(`  ${confirmS.toFixed(2)} s: created ${c.created} updated ${c.updated} skipped ${c.skipped}`);
  return {
    v,
    c,
    validateS,
    confirmS,
    confirmTtfbS: confirmAccepted.ttfbS,
    confirmCpuS: spent(cpuBeforeConfirm, server.cpuSeconds()),
    confirm202S: confirmAccepted.totalS,
    ...validated,
  };
}

main().catch((error: unknown) => {
  let message =
    error instanceof BenchError ? error.message : ((error as Error).stack ?? String(error));
  const cause = (error as { cause?: unknown })?.cause;
  if (cause) message += `\ncause: ${(cause as Error).stack ?? String(cause)}`;
  process.stderr.write(`\nimport-bench failed: ${message}\n`);
  process.exit(1);
});
