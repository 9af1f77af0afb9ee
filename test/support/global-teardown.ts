import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.TEST_EMBEDDED_PID);
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM');
      // A database spinning inside WebAssembly never runs its SIGTERM handler: killed after 10 s,
      // so that no test run leaves a process behind that eats the CPU of the next.
      for (let waited = 0; waited < 10_000 && alive(pid); waited += 100) await sleep(100);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
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
