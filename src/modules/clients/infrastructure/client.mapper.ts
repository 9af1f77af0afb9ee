import { pickColumns } from '../../../shared/database/columns.js';
import type { Client, ClientFields } from '../domain/client.js';
import { ClientEntity } from './client.entity.js';

/** The written fields of a client (its source is set once, on insert). */
const FIELDS = [
  'first_name',
  'last_name',
  'email',
  'phone',
  'address',
  'notes',
  'organization_id',
] as const satisfies ReadonlyArray<keyof ClientFields>;
const RECORD = ['id', 'businessUid', ...FIELDS, 'source', 'createdAt', 'updatedAt'] as const;

/**
 * Between a `clients` row (the TypeORM entity) and the plain `Client` record the domain works
 * with: what leaves the repository is never an entity instance.
 */
export class ClientMapper {
  static readonly FIELDS = FIELDS;

  static toDomain(entity: ClientEntity): Client {
    return pickColumns(entity, RECORD);
  }

  /** A new row to save; the database fills the id and the timestamps. */
  static toPersistence(businessUid: string, fields: ClientFields, source: string): ClientEntity {
    return Object.assign(new ClientEntity(), {
      businessUid,
      ...ClientMapper.toColumns(fields),
      source,
    });
  }

  /** The written columns of a client, and nothing else the source may carry. */
  static toColumns(source: ClientFields): ClientFields {
    return pickColumns(source, FIELDS);
  }
}
