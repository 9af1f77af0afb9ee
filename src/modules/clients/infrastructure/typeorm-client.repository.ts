import { Injectable } from '@nestjs/common';
import {
  PG_UNIQUE_VIOLATION,
  pgConstraint,
  pgErrorCode,
} from '../../../shared/database/pg-errors.js';
import { deleteByIds, lockByIds } from '../../../shared/database/business-rows.js';
import { businessPage } from '../../../shared/database/search.js';
import { TypeOrmTransactionRunner } from '../../../shared/database/typeorm-transaction-runner.js';
import { ConflictError, detail } from '../../../shared/domain-error.js';
import type { Page, PageRequest } from '../../../shared/pagination.js';
import { type Client, CLIENT_FIELDS, type ClientFields } from '../domain/client.js';
import { ClientRepository } from '../domain/client.repository.js';
import { ClientEntity } from './client.entity.js';
import { ClientMapper } from './client.mapper.js';

export const EMAIL_KEY = 'clients_business_email_key';
const FIELDS = CLIENT_FIELDS;
const TYPES: Record<(typeof FIELDS)[number], string> = {
  first_name: 'text',
  last_name: 'text',
  email: 'text',
  phone: 'text',
  address: 'text',
  notes: 'text',
  organization_id: 'uuid',
};

function emailTaken(error: unknown, email: string | null): never {
  if (pgErrorCode(error) === PG_UNIQUE_VIOLATION && pgConstraint(error) === EMAIL_KEY) {
    throw new ConflictError('already_exists', 'a client with this e-mail already exists', [
      detail('email', 'already_exists', email),
    ]);
  }
  throw error;
}

@Injectable()
export class TypeOrmClientRepository extends ClientRepository {
  constructor(private readonly tx: TypeOrmTransactionRunner) {
    super();
  }

  private get repo() {
    return this.tx.manager.getRepository(ClientEntity);
  }

  async insert(businessUid: string, fields: ClientFields, source: string): Promise<Client> {
    try {
      return ClientMapper.toDomain(
        await this.repo.save(ClientMapper.toPersistence(businessUid, fields, source)),
      );
    } catch (error) {
      emailTaken(error, fields.email);
    }
  }

  async findById(businessUid: string, id: string): Promise<Client | null> {
    const found = await this.repo.findOneBy({ businessUid, id });
    return found ? ClientMapper.toDomain(found) : null;
  }

  async list(
    businessUid: string,
    search: string | undefined,
    request: PageRequest,
  ): Promise<Page<Client>> {
    return businessPage(
      this.repo,
      {
        businessUid,
        search,
        searchIn: [
          'c.first_name',
          'c.last_name',
          'c.email',
          'c.phone',
          "(c.first_name || ' ' || coalesce(c.last_name, ''))",
        ],
        request,
      },
      ClientMapper.toDomain,
    );
  }

  async update(businessUid: string, id: string, fields: ClientFields): Promise<Client | null> {
    try {
      const result = await this.repo.update({ businessUid, id }, ClientMapper.toColumns(fields));
      return result.affected ? this.findById(businessUid, id) : null;
    } catch (error) {
      emailTaken(error, fields.email);
    }
  }

  async delete(businessUid: string, id: string): Promise<boolean> {
    return ((await this.repo.delete({ businessUid, id })).affected ?? 0) > 0;
  }

  async findByEmails(businessUid: string, emails: string[]): Promise<Client[]> {
    if (emails.length === 0) return [];
    // COLLATE "C": the unique index's order (migration 0007), so the lookup uses it.
    const found = await this.repo
      .createQueryBuilder('c')
      .where('c.business_uid = :businessUid', { businessUid })
      .andWhere('lower(c.email) COLLATE "C" = ANY(:emails)', {
        emails: [...new Set(emails.map((e) => e.toLowerCase()))],
      })
      .getMany();
    return found.map(ClientMapper.toDomain);
  }

  async insertMany(
    businessUid: string,
    rows: Array<{ id: string; fields: ClientFields; source: string }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const records = rows.map(({ id, fields, source }) => ({ id, source, ...fields }));
    await this.tx.manager.query(
      `INSERT INTO clients (id, business_uid, source, ${FIELDS.join(', ')})
       SELECT r.id, $1, r.source, ${FIELDS.map((f) => `r.${f}`).join(', ')}
         FROM json_to_recordset($2::json)
           AS r(id uuid, source text, ${FIELDS.map((f) => `${f} ${TYPES[f]}`).join(', ')})`,
      [businessUid, JSON.stringify(records)],
    );
  }

  async updateMany(
    businessUid: string,
    rows: Array<{ id: string; fields: Partial<ClientFields> }>,
  ): Promise<Array<{ id: string; before: ClientFields }>> {
    if (rows.length === 0) return [];
    const records = rows.map(({ id, fields }) => ({ id, business_uid: businessUid, ...fields }));
    // The business comes with each record rather than as a constant: compared to a constant, a
    // business whose clients the statistics do not know yet looked like a few rows, and the
    // planner scanned all of them for every batch instead of looking each id up. The clients'
    // values before are read under the row locks the update takes, in the same statement (undo
    // restores them).
    const updated: Array<{ id: string; before: ClientFields }> = await this.tx.manager
      .query(
        `WITH u AS (
           SELECT * FROM json_to_recordset($1::json)
             AS u(id uuid, business_uid text, ${FIELDS.map((f) => `${f} ${TYPES[f]}`).join(', ')})),
         old AS (
           SELECT c.id, ${FIELDS.map((f) => `c.${f}`).join(', ')}
             FROM clients c JOIN u ON c.id = u.id AND c.business_uid = u.business_uid
              FOR UPDATE OF c)
         UPDATE clients AS c
            SET ${FIELDS.map((f) => `${f} = COALESCE(u.${f}, c.${f})`).join(', ')}, updated_at = now()
           FROM u JOIN old ON old.id = u.id
          WHERE c.id = u.id AND c.business_uid = u.business_uid
         RETURNING c.id, json_build_object(${FIELDS.map((f) => `'${f}', old.${f}`).join(', ')}) AS before`,
        [JSON.stringify(records)],
      )
      .then((r: [Array<{ id: string; before: ClientFields }>, number]) => r[0]);
    return updated;
  }

  lockMany(businessUid: string, ids: string[]): Promise<Array<ClientFields & { id: string }>> {
    return lockByIds(this.tx.manager, 'clients', FIELDS, businessUid, ids);
  }

  deleteMany(businessUid: string, ids: string[]): Promise<void> {
    return deleteByIds(this.tx.manager, 'clients', businessUid, ids);
  }

  async restoreMany(
    businessUid: string,
    rows: Array<{ id: string; fields: Partial<ClientFields> }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    // `f ? 'field'`: a field absent from a record keeps its value; one present is set, null too.
    const set = (f: (typeof FIELDS)[number]) =>
      `${f} = CASE WHEN r.f ? '${f}' THEN (r.f->>'${f}')::${TYPES[f]} ELSE c.${f} END`;
    await this.tx.manager.query(
      `UPDATE clients AS c SET ${FIELDS.map(set).join(', ')}, updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, business_uid text, f jsonb)
        WHERE c.id = r.id AND c.business_uid = r.business_uid`,
      [
        JSON.stringify(
          rows.map(({ id, fields }) => ({ id, business_uid: businessUid, f: fields })),
        ),
      ],
    );
  }
}
