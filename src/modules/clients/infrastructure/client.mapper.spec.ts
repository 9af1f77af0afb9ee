import { describe, expect, test } from '@jest/globals';
import type { Client, ClientFields } from '../domain/client.js';
import { ClientEntity } from './client.entity.js';
import { ClientMapper } from './client.mapper.js';

const FIELDS: ClientFields = {
  first_name: 'Mario',
  last_name: 'Rossi',
  email: 'mario@example.com',
  phone: '+393331234567',
  address: null,
  notes: 'VIP',
  organization_id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
};
const RECORD: Client = {
  id: '16fd2706-8baf-433b-82eb-8c7fada847da',
  businessUid: 'biz-1',
  ...FIELDS,
  source: 'app:acme',
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  updatedAt: new Date('2026-02-03T04:05:06.000Z'),
};

test('toDomain turns an entity instance into a plain Client with the same fields only', () => {
  const row = Object.assign(new ClientEntity(), RECORD, { internalVersion: 3 });
  const client = ClientMapper.toDomain(row);
  expect(Object.getPrototypeOf(client)).toBe(Object.prototype);
  expect(client).not.toBeInstanceOf(ClientEntity);
  expect(client).toStrictEqual(RECORD);
});

describe('toPersistence', () => {
  test('an entity of the business, with its source and only the written fields', () => {
    const fromCsv = { ...FIELDS, company_name: 'Acme', id: 'not-the-callers-to-choose' };
    const entity = ClientMapper.toPersistence('biz-2', fromCsv, 'csv_import');
    expect(entity).toBeInstanceOf(ClientEntity);
    expect(entity).toMatchObject({ businessUid: 'biz-2', source: 'csv_import', ...FIELDS });
    expect(Object.keys(entity)).not.toContain('company_name');
    expect(entity.id).toBeUndefined();
  });

  test('round trip: saved, then read back, it is the record again', () => {
    const { id, createdAt, updatedAt } = RECORD;
    const saved = ClientMapper.toPersistence('biz-1', FIELDS, 'app:acme');
    expect(ClientMapper.toDomain(Object.assign(saved, { id, createdAt, updatedAt }))).toEqual(
      RECORD,
    );
  });
});

test('toColumns: the seven written fields, not the identity, source or timestamps', () => {
  expect(ClientMapper.toColumns(RECORD)).toStrictEqual(FIELDS);
});
