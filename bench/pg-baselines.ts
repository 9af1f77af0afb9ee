/**
 * What the bench does straight on PostgreSQL: the fresh database, the records that must exist
 * before the import, and the two baselines (COPY, and one INSERT round trip per row).
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseStream } from 'fast-csv';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { type ExistingClient, ORGANIZATIONS } from './csv-gen.js';

export async function withClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** The customers a clients file names, and the clients whose e-mails it reuses. */
export async function seedForClients(
  url: string,
  businessUid: string,
  existing: ExistingClient[],
): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('BEGIN');
    for (const [i, name] of ORGANIZATIONS.entries()) {
      await c.query(
        'INSERT INTO customers (business_uid, company_name, vat_number, language) VALUES ($1, $2, $3, $4)',
        [businessUid, name, String(90000000000 + i).padStart(11, '0'), 'it'],
      );
    }
    const fields = ['first_name', 'last_name', 'email', 'phone', 'address', 'notes'] as const;
    for (let at = 0; at < existing.length; at += 1000) {
      const chunk = existing.slice(at, at + 1000);
      const values: unknown[] = [];
      const tuples = chunk.map((client) => {
        const base = values.length;
        values.push(businessUid, ...fields.map((f) => client[f]), 'bench_seed');
        const params = Array.from({ length: fields.length + 2 }, (_, k) => `$${base + k + 1}`);
        return `(${params.join(',')})`;
      });
      await c.query(
        `INSERT INTO clients (business_uid, ${fields.join(', ')}, source) VALUES ${tuples.join(',')}`,
        values,
      );
    }
    await c.query('COMMIT');
  });
}

const bareTable = (name: string, columns: readonly string[]) =>
  `CREATE TABLE ${name} (${columns.map((c) => `${c} text`).join(', ')})`;

/** COPY of the whole file into a fresh bare table (text columns, no index): seconds. */
export async function timeCopy(
  url: string,
  table: string,
  columns: readonly string[],
  path: string,
): Promise<{ seconds: number; rows: number }> {
  return withClient(url, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(bareTable(table, columns));
    const t0 = performance.now();
    const sink = c.query(
      copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT csv, HEADER true)`),
    );
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), sink);
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, rows: sink.rowCount };
  });
}

/** The first `limit` records of the file, parsed (outside any timing). */
export async function readRecords(path: string, limit: number): Promise<string[][]> {
  const records: string[][] = [];
  const stream = createReadStream(path);
  const parser = parseStream<string[], string[]>(stream, { headers: false, ignoreEmpty: true });
  for await (const row of parser) {
    records.push(row);
    if (records.length > limit) break;
  }
  stream.destroy();
  return records.slice(1, limit + 1);
}

/** One parameterised INSERT per row, autocommit, into a fresh bare table: rows per second. */
export async function timeNaive(
  url: string,
  table: string,
  columns: readonly string[],
  records: string[][],
): Promise<{ seconds: number; rows: number }> {
  return withClient(url, async (c) => {
    await c.query(`DROP TABLE IF EXISTS ${table}`);
    await c.query(bareTable(table, columns));
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, k) => `$${k + 1}`).join(', ')})`;
    const t0 = performance.now();
    for (const record of records) await c.query(sql, record);
    return { seconds: (performance.now() - t0) / 1000, rows: records.length };
  });
}

/**
 * The floor under any import of the file: PostgreSQL alone inserting its rows server-side
 * (`INSERT … SELECT` from the COPY table, no client round trip, no validation), into a fresh empty
 * table with the entity table's columns, defaults and indexes (`LIKE … INCLUDING DEFAULTS
 * INCLUDING INDEXES`: the unique e-mail per business, the listing order, the primary key; not its
 * CHECK and foreign keys). Ids are time-ordered, as the import's UUID v7; cells are cut to the
 * columns' lengths and empty required ones filled, so that every row goes in (the import would
 * reject the bad ones instead). Repeated unique keys are skipped (`ON CONFLICT DO NOTHING`).
 */
export async function timeFloorInsert(
  url: string,
  entityTable: string,
  copyTable: string,
  csvColumns: readonly string[],
): Promise<{ seconds: number; rows: number }> {
  return withClient(url, async (c) => {
    await c.query('DROP TABLE IF EXISTS bench_floor');
    await c.query(
      `CREATE TABLE bench_floor (LIKE ${entityTable} INCLUDING DEFAULTS INCLUDING INDEXES)`,
    );
    const { rows: columns } = await c.query<{
      column_name: string;
      is_nullable: 'YES' | 'NO';
      character_maximum_length: number | null;
    }>(
      `SELECT column_name, is_nullable, character_maximum_length FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [entityTable],
    );
    const targets: string[] = [];
    const values: string[] = [];
    for (const { column_name: name, is_nullable, character_maximum_length: length } of columns) {
      let value: string;
      if (name === 'id') value = `('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid`;
      else if (name === 'business_uid') value = `'bench-floor'`;
      else if (csvColumns.includes(name)) {
        value = `left(nullif(${name}, ''), ${length ?? 10_000})`;
        if (is_nullable === 'NO') value = `coalesce(${value}, '-')`;
      } else continue;
      targets.push(name);
      values.push(value);
    }
    const t0 = performance.now();
    const result = await c.query(
      `INSERT INTO bench_floor (${targets.join(', ')})
       SELECT ${values.join(', ')} FROM (SELECT row_number() OVER () AS n, * FROM ${copyTable}) AS f
       ON CONFLICT DO NOTHING`,
    );
    const seconds = (performance.now() - t0) / 1000;
    return { seconds, rows: result.rowCount ?? 0 };
  });
}
