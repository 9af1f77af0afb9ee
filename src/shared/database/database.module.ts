import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
} from '@nestjs/common';
import pg from 'pg';
import { DataSource, type EntitySchema, MigrationExecutor, type MixedList } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { EmbeddedPostgres } from './embedded-postgres.js';
import { MIGRATIONS } from './migrations/index.js';
import { TransactionRunner } from './transaction-runner.js';
import { TypeOrmTransactionRunner } from './typeorm-transaction-runner.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityList = MixedList<Function | string | EntitySchema>;

const EMBEDDED = Symbol('EmbeddedPostgres');
const MIGRATION_LOCK_KEY = 7_340_001;

const connectionLogger = new Logger('Database');

/**
 * The pool's client class. `pg` listens for errors only on idle clients; a connection that the
 * server ends while it is checked out but between queries (a query runner holding it, a
 * transaction waiting on our code) emits `error` with no listener, which crashes the process.
 * This client always has one: the error is logged, the client is no longer queryable, its next
 * query fails (the request answers 503) and the pool discards it on release.
 */
class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', (error: Error) =>
      connectionLogger.warn(`a database connection in use was lost: ${error.message}`),
    );
  }
}

/** One TypeORM configuration for both databases; only the URL differs. */
export function dataSourceFor(url: string, entities: EntityList, poolSize = 10): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    synchronize: false,
    logging: false,
    poolSize,
    extra: { connectionTimeoutMillis: 10_000, Client: ListenedClient },
    applicationName: 'import-backend',
  });
}

/**
 * Runs pending migrations in one transaction that first takes a transaction-level advisory
 * lock, so that instances starting together run them once. (On the embedded database the
 * socket server serialises whole transactions, which gives the same guarantee.)
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'none';
    const executed = await executor.executePendingMigrations();
    await runner.commitTransaction();
    return executed.map((m) => m.name);
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED) private readonly embedded: EmbeddedPostgres | null,
  ) {}

  static forRoot(entities: EntityList): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: EMBEDDED,
          inject: [AppConfig],
          useFactory: async (config: AppConfig) =>
            config.DATABASE_URL
              ? null
              : EmbeddedPostgres.start({ dataDir: `${config.DATA_DIR}/pglite` }),
        },
        {
          provide: DataSource,
          inject: [AppConfig, EMBEDDED],
          useFactory: async (config: AppConfig, embedded: EmbeddedPostgres | null) => {
            const url = config.DATABASE_URL ?? embedded!.url;
            const dataSource = dataSourceFor(url, entities, config.DB_POOL_SIZE);
            await dataSource.initialize();
            await migrate(dataSource);
            new Logger('Database').log(
              embedded
                ? `embedded PostgreSQL (PGlite) in ${config.DATA_DIR}/pglite`
                : 'PostgreSQL from DATABASE_URL',
            );
            return dataSource;
          },
        },
        TypeOrmTransactionRunner,
        { provide: TransactionRunner, useExisting: TypeOrmTransactionRunner },
      ],
      exports: [DataSource, TypeOrmTransactionRunner, TransactionRunner],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    if (this.embedded) {
      await this.embedded.stop();
      this.logger.log('embedded database closed');
    }
  }
}
