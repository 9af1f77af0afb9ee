/**
 * One database for the whole e2e run (this file imports packages only: Jest loads it outside
 * the test module system):
 * - with DATABASE_URL (a PostgreSQL server): a fresh database is created on it for this run;
 * - without: an embedded PGlite is started in this process and served on 127.0.0.1.
 * Every test file reaches it through DATABASE_URL; the first app to boot runs the migrations.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

declare global {
  var __embeddedTestDb: { db: PGlite; server: PGLiteSocketServer } | undefined;
}

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
    const db = await PGlite.create();
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 500 });
    await server.start();
    globalThis.__embeddedTestDb = { db, server };
    process.env.DATABASE_URL = `postgres://postgres@${server.getServerConn()}/postgres`;
    process.env.TEST_DB_KIND = 'embedded';
  }
  process.stdout.write(`\ne2e database: ${process.env.TEST_DB_KIND}\n`);
}
