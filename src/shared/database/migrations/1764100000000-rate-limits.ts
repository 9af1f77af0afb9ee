import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The counters of the rate limits, shared by every instance (rate-limiter-flexible's
 * PostgreSQL layout: key, points consumed, expiry in epoch milliseconds). UNLOGGED: counters
 * lost in a database crash cost nothing worth the write-ahead log of every request.
 */
export class RateLimits1764100000000 implements MigrationInterface {
  name = 'RateLimits1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE rate_limits (
        key     varchar(255) PRIMARY KEY,
        points  integer NOT NULL DEFAULT 0,
        expire  bigint
      )`);
    await q.query(`CREATE INDEX rate_limits_expire_idx ON rate_limits (expire)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limits`);
  }
}
