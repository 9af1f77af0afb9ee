/**
 * A stand-alone embedded PostgreSQL (PGlite) on 127.0.0.1, for the e2e test run:
 *   node dist/shared/database/pglite-cli.js [--data-dir DIR] [--port N]
 * Prints `READY <url>` once it accepts connections; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { EmbeddedPostgres } from './embedded-postgres.js';

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string' }, port: { type: 'string' } },
});
const embedded = await EmbeddedPostgres.start({
  dataDir: values['data-dir'],
  port: values.port ? Number(values.port) : 0,
});
process.stdout.write(`READY ${embedded.url}\n`);
const stop = () => void embedded.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
