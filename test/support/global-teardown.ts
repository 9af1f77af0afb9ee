import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__embeddedTestDb;
  if (embedded) {
    await embedded.server.stop();
    await embedded.db.close();
  }
  const server = process.env.TEST_SERVER_URL;
  const name = process.env.TEST_DATABASE_NAME;
  if (server && name && !process.env.KEEP_TEST_DATABASE) {
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
