import type pg from 'pg';
import type { DataSource } from 'typeorm';

/** The `pg` pool behind a TypeORM data source (rate limits and pool metrics use it directly). */
export function poolOf(dataSource: DataSource): pg.Pool {
  return (dataSource.driver as unknown as { master: pg.Pool }).master;
}
