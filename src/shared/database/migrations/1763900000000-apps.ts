import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Apps1763900000000 implements MigrationInterface {
  name = 'Apps1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE apps (
        app_id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_code_name      varchar(64)  NOT NULL,
        name               varchar(50)  NOT NULL,
        app_type           text[]       NOT NULL,
        redirect_uri       text         NOT NULL,
        api_uri            text,
        description        text,
        owner_uid          varchar(255) NOT NULL,
        client_id          varchar(64)  NOT NULL,
        client_secret_hash text         NOT NULL,
        created_at         timestamptz  NOT NULL DEFAULT now(),
        updated_at         timestamptz  NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX apps_app_code_name_key ON apps (lower(app_code_name))`);
    await q.query(`CREATE UNIQUE INDEX apps_client_id_key ON apps (client_id)`);
    await q.query(`CREATE INDEX apps_created_at_idx ON apps (created_at, app_id)`);
    await q.query(`
      CREATE TABLE app_assignments (
        uid           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        app_id        uuid         NOT NULL REFERENCES apps (app_id) ON DELETE RESTRICT,
        assignee_type varchar(16)  NOT NULL CHECK (assignee_type IN ('business', 'directory', 'package')),
        assignee_uid  varchar(255) NOT NULL,
        settings      jsonb        NOT NULL,
        created_at    timestamptz  NOT NULL DEFAULT now(),
        updated_at    timestamptz  NOT NULL DEFAULT now(),
        CONSTRAINT app_assignments_app_assignee_key UNIQUE (app_id, assignee_type, assignee_uid)
      )`);
    await q.query(
      `CREATE INDEX app_assignments_assignee_idx ON app_assignments (assignee_type, assignee_uid)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE app_assignments`);
    await q.query(`DROP TABLE apps`);
  }
}
