/**
 * `npm run migrate`: applies the pending migrations to the configured database and exits —
 * for an init container or a release step that runs before the instances start. (Instances
 * also migrate at startup, serialised by an advisory lock; this lets a deployment do it once,
 * ahead of time, and fail there rather than in every instance.)
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { ConfigValidationError, loadConfig } from './config/app-config.js';
import { dataSourceFor, migrate } from './shared/database/database.module.js';
import { EmbeddedPostgres } from './shared/database/embedded-postgres.js';

if (existsSync('.env')) process.loadEnvFile('.env');
try {
  const config = loadConfig();
  const embedded = config.DATABASE_URL
    ? null
    : await EmbeddedPostgres.start({ dataDir: `${config.DATA_DIR}/pglite` });
  const dataSource = dataSourceFor(config.DATABASE_URL ?? embedded!.url, [], 1);
  try {
    await dataSource.initialize();
    const applied = await migrate(dataSource);
    process.stdout.write(
      applied.length > 0
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'the database is up to date\n',
    );
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
  }
  process.exit(0);
} catch (error) {
  process.stderr.write(
    error instanceof ConfigValidationError
      ? `${error.message}\n`
      : `migration failed: ${(error as Error).stack ?? String(error)}\n`,
  );
  process.exit(1);
}
