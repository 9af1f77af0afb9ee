import { describe, expect, test } from '@jest/globals';
import type { Customer, CustomerFields } from '../domain/customer.js';
import { CustomerEntity } from './customer.entity.js';
import { CustomerMapper } from './customer.mapper.js';

const FIELDS: CustomerFields = {
  company_name: 'Acme S.r.l.',
  vat_number: 'IT01234567890',
  description: 'Wholesale',
  address: 'Via Roma 1',
  city: 'Milano',
  main_contact: 'Anna Bianchi',
  email: 'info@acme.example',
  phone: '+390212345678',
  language: 'it',
  notes: null,
};
const GENERATED = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  updatedAt: new Date('2026-02-03T04:05:06.000Z'),
};
const RECORD: Customer = { ...GENERATED, businessUid: 'biz-1', ...FIELDS };

describe('CustomerMapper.toDomain', () => {
  // An entity instance as TypeORM hydrates it, carrying one property more than the record.
  const row = Object.assign(new CustomerEntity(), RECORD, { internalVersion: 3 });

  test('gives a plain object, not the entity', () => {
    const record = CustomerMapper.toDomain(row);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(record).not.toBeInstanceOf(CustomerEntity);
  });

  test('with every field of the row and nothing else', () => {
    expect(CustomerMapper.toDomain(row)).toStrictEqual(RECORD);
  });
});

describe('CustomerMapper.toPersistence', () => {
  test('builds an entity of the business with exactly the written fields', () => {
    const stray = { ...FIELDS, id: 'chosen-by-caller', createdAt: new Date(0) };
    const entity = CustomerMapper.toPersistence('biz-2', stray);
    expect(entity).toBeInstanceOf(CustomerEntity);
    expect(entity).toMatchObject({ businessUid: 'biz-2', ...FIELDS });
    // The database chooses the id and the timestamps.
    expect(entity.id).toBeUndefined();
    expect(entity.createdAt).toBeUndefined();
  });

  test('what is saved comes back as the same record', () => {
    const saved = Object.assign(CustomerMapper.toPersistence('biz-1', FIELDS), GENERATED);
    expect(CustomerMapper.toDomain(saved)).toStrictEqual(RECORD);
  });
});

test('CustomerMapper.toColumns keeps the ten fields, drops identity and timestamps', () => {
  expect(CustomerMapper.toColumns(RECORD)).toStrictEqual(FIELDS);
});
