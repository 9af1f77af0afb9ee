import { pickColumns } from '../../../shared/database/columns.js';
import { type Client, CLIENT_FIELDS, type ClientFields } from '../domain/client.js';
import { ClientEntity } from './client.entity.js';

const RECORD = ['id', 'businessUid', ...CLIENT_FIELDS, 'source', 'createdAt', 'updatedAt'] as const;

/**
 * Between a `clients` row (the TypeORM entity) and the plain `Client` record the domain works
 * with: what leaves the repository is never an entity instance.
 */
export class ClientMapper {
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
    return pickColumns(source, CLIENT_FIELDS);
  }
}
