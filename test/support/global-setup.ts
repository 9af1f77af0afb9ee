/**
 * One database for the whole e2e run (this file imports packages only: Jest loads it outside
 * the test module system):
 * - with DATABASE_URL (a PostgreSQL server): a fresh database is created on it for this run;
 * - without: the embedded PostgreSQL (PGlite) of the built server, `dist/…/pglite-cli.js`, is
 *   started in its own process and served on 127.0.0.1 (`pretest` builds it).
 * Every test file reaches it through DATABASE_URL; the first app to boot runs the migrations.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export default async function globalSetup(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const name = `import_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    process.env.TEST_SERVER_URL = serverUrl;
    process.env.TEST_DATABASE_NAME = name;
    process.env.DATABASE_URL = url.toString();
    process.env.TEST_DB_KIND = 'postgres';
  } else {
    const cli = fileURLToPath(new URL('../../dist/shared/database/pglite-cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const ready = /READY (\S+)/.exec(out);
        if (ready) resolve(ready[1]);
      });
      child.once('exit', (code) =>
        reject(new Error(`the embedded database exited (${code}): ${out}`)),
      );
    });
    child.stdout!.resume();
    process.env.TEST_EMBEDDED_PID = String(child.pid);
    process.env.DATABASE_URL = url;
    process.env.TEST_DB_KIND = 'embedded';
  }
  process.stdout.write(`\ne2e database: ${process.env.TEST_DB_KIND}\n`);
}
