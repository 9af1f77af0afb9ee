import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CustomersAndImports1763900000001 implements MigrationInterface {
  name = 'CustomersAndImports1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE customers (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_uid  varchar(255) NOT NULL,
        company_name  varchar(255) NOT NULL,
        vat_number    varchar(64)  NOT NULL,
        description   varchar(500),
        address       varchar(255),
        city          varchar(255),
        main_contact  varchar(255),
        email         varchar(320),
        phone         varchar(32),
        language      varchar(2)   NOT NULL DEFAULT 'en',
        notes         varchar(1000),
        created_at    timestamptz  NOT NULL DEFAULT now(),
        updated_at    timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX customers_business_created_idx ON customers (business_uid, created_at, id)`,
    );
    // Clients find their organisation by name, case-insensitively, within the business.
    await q.query(
      `CREATE INDEX customers_business_name_idx ON customers (business_uid, lower(company_name))`,
    );

    await q.query(`
      CREATE TABLE import_sessions (
        id                uuid PRIMARY KEY,
        business_uid      varchar(255) NOT NULL,
        created_by        varchar(255) NOT NULL,
        entity_type       varchar(16)  NOT NULL,
        channel           varchar(8)   NOT NULL,
        status            varchar(16)  NOT NULL,
        options           jsonb        NOT NULL DEFAULT '{}',
        total_rows        integer      NOT NULL DEFAULT 0,
        valid_rows        integer      NOT NULL DEFAULT 0,
        warning_rows      integer      NOT NULL DEFAULT 0,
        error_rows        integer      NOT NULL DEFAULT 0,
        ambiguous_rows    integer      NOT NULL DEFAULT 0,
        created           integer      NOT NULL DEFAULT 0,
        updated           integer      NOT NULL DEFAULT 0,
        skipped           integer      NOT NULL DEFAULT 0,
        failed            integer      NOT NULL DEFAULT 0,
        override          boolean      NOT NULL DEFAULT false,
        resolutions       jsonb        NOT NULL DEFAULT '{}',
        lease_owner       text,
        lease_expires_at  timestamptz,
        created_at        timestamptz  NOT NULL,
        expires_at        timestamptz  NOT NULL,
        confirmed_at      timestamptz,
        completed_at      timestamptz,
        error             text,
        version           integer      NOT NULL DEFAULT 0,
        CONSTRAINT import_sessions_outcomes_within_total
          CHECK (created + updated + skipped + failed <= total_rows)
      )`);
    await q.query(
      `CREATE INDEX import_sessions_business_idx ON import_sessions (business_uid, entity_type, created_at DESC)`,
    );
    await q.query(
      `CREATE INDEX import_sessions_confirming_idx ON import_sessions (lease_expires_at) WHERE status = 'confirming'`,
    );
    await q.query(`
      CREATE TABLE import_rows (
        session_id      uuid     NOT NULL REFERENCES import_sessions (id) ON DELETE CASCADE,
        row_number      integer  NOT NULL,
        status          varchar(10) NOT NULL,
        detail          jsonb    NOT NULL,
        outcome         varchar(8),
        outcome_id      uuid,
        outcome_reason  varchar(32),
        outcome_error   text,
        PRIMARY KEY (session_id, row_number)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE import_rows`);
    await q.query(`DROP TABLE import_sessions`);
    await q.query(`DROP TABLE customers`);
  }
}
