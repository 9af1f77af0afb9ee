/**
 * `npm run migrate` (dist/migrate.js): applies the migrations and exits — what an init
 * container runs before the instances start.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { MIGRATIONS } from '../src/shared/database/migrations/index.js';

const MIGRATE = fileURLToPath(new URL('../dist/migrate.js', import.meta.url));

function migrate(env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MIGRATE],
      { env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? ((error as { code?: number }).code ?? 1) : 0,
          output: stdout + stderr,
        }),
    );
  });
}

const names = MIGRATIONS.map((m) => new m().name);

describe('npm run migrate', () => {
  test('applies every migration to a new embedded database, then finds it up to date', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'migrate-e2e-'));
    try {
      const first = await migrate({ DATA_DIR: dataDir });
      expect(first.code).toBe(0);
      expect(first.output).toContain(`applied ${names.length} migration(s)`);
      for (const name of names) expect(first.output).toContain(name);
      const second = await migrate({ DATA_DIR: dataDir });
      expect(second).toEqual({ code: 0, output: 'the database is up to date\n' });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('a bad setting: exit 1 naming it, nothing done', async () => {
    const result = await migrate({
      DATABASE_URL: 'postgres://127.0.0.1:1/none',
      DB_POOL_SIZE: '0',
    });
    expect(result.code).toBe(1);
    expect(result.output).toContain('DB_POOL_SIZE');
  });

  (process.env.TEST_DB_KIND === 'postgres' ? test : test.skip)(
    'on PostgreSQL: a fresh database gets every table',
    async () => {
      const server = process.env.TEST_SERVER_URL!;
      const name = `import_migrate_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: server });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      try {
        const url = new URL(server);
        url.pathname = `/${name}`;
        const result = await migrate({ DATABASE_URL: url.toString() });
        expect(result.code).toBe(0);
        const db = new pg.Client({ connectionString: url.toString() });
        await db.connect();
        const { rows } = await db.query(
          `SELECT to_regclass('rate_limits') IS NOT NULL AS rate_limits,
                  to_regclass('import_sessions') IS NOT NULL AS sessions,
                  (SELECT count(*)::int FROM migrations) AS applied`,
        );
        await db.end();
        expect(rows[0]).toEqual({ rate_limits: true, sessions: true, applied: names.length });
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    },
  );
});
