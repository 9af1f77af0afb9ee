import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Clients1763900000002 implements MigrationInterface {
  name = 'Clients1763900000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE clients (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_uid     varchar(255) NOT NULL,
        first_name       varchar(100) NOT NULL,
        last_name        varchar(100),
        email            varchar(320),
        phone            varchar(32),
        address          varchar(255),
        notes            varchar(1000),
        organization_id  uuid REFERENCES customers (id) ON DELETE SET NULL,
        source           varchar(80)  NOT NULL DEFAULT 'api',
        created_at       timestamptz  NOT NULL DEFAULT now(),
        updated_at       timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT clients_email_or_phone CHECK (email IS NOT NULL OR phone IS NOT NULL)
      )`);
    // One client per e-mail within a business, case-insensitively (SPEC §5); also the lookup index
    // of the import's "already exists" classification.
    await q.query(
      `CREATE UNIQUE INDEX clients_business_email_key ON clients (business_uid, lower(email)) WHERE email IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX clients_business_created_idx ON clients (business_uid, created_at, id)`,
    );
    await q.query(`CREATE INDEX clients_organization_idx ON clients (organization_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE clients`);
  }
}
