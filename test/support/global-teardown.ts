import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.TEST_EMBEDDED_PID);
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
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
