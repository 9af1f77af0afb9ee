import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { expectError } from './support/envelope.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const acme = {
  company_name: 'Acme S.p.A.',
  vat_number: 'IT01234567890',
  description: 'Anvils',
  address: 'Via Roma 1',
  city: 'Milano',
  main_contact: 'Maria Rossi',
  email: 'info@acme.example',
  phone: '+39 02 1234 5678',
  language: 'it',
  notes: 'VIP',
};

describe('customers CRUD (SPEC §4)', () => {
  let t: TestApp;
  let token: string;
  let other: string;

  beforeAll(async () => {
    t = await createTestApp();
    token = await tokenFor({ business: uniqueBusiness() });
    other = await tokenFor({ business: uniqueBusiness() });
  });
  afterAll(() => t.close());

  const auth = (tok: string) => ({ Authorization: `Bearer ${tok}` });

  test('create, get, update, list with search, delete', async () => {
    const created = await request(t.http).post('/customers').set(auth(token)).send(acme);
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ ...acme, id: expect.any(String) });
    const id = created.body.data.id;

    const minimal = await request(t.http)
      .post('/customers')
      .set(auth(token))
      .send({ company_name: 'Beta', vat_number: '00123' });
    expect(minimal.body.data).toMatchObject({ language: 'en', email: null, vat_number: '00123' });

    expect(
      (await request(t.http).get(`/customers/${id}`).set(auth(token))).body.data.company_name,
    ).toBe('Acme S.p.A.');

    const updated = await request(t.http)
      .put(`/customers/${id}`)
      .set(auth(token))
      .send({ ...acme, city: 'Torino' });
    expect(updated.status).toBe(200);
    expect(updated.body.data.city).toBe('Torino');

    const found = await request(t.http).get('/customers?search=acme&page_size=5').set(auth(token));
    expect(found.body.data).toMatchObject({ total: 1, page: 1, page_size: 5 });
    const all = await request(t.http).get('/customers').set(auth(token));
    expect(all.body.data.total).toBe(2);
    const percent = await request(t.http).get('/customers?search=%25').set(auth(token));
    expect(percent.body.data.total).toBe(0);

    const deleted = await request(t.http).delete(`/customers/${id}`).set(auth(token));
    expect(deleted.body.data.id).toBe(id);
    expectError(await request(t.http).get(`/customers/${id}`).set(auth(token)), 404);
  });

  test.each([
    ['company_name missing', { company_name: undefined }, 'company_name', 'required'],
    ['company_name blank', { company_name: '   ' }, 'company_name', 'required'],
    ['vat_number too long', { vat_number: 'X'.repeat(65) }, 'vat_number', 'too_long'],
    ['description too long', { description: 'x'.repeat(501) }, 'description', 'too_long'],
    ['email invalid', { email: 'not-an-email' }, 'email', 'invalid_email'],
    ['phone without +', { phone: '02 1234 5678' }, 'phone', 'invalid_phone'],
    ['phone with letters', { phone: '+39 abc 12345' }, 'phone', 'invalid_phone'],
    ['language fr', { language: 'fr' }, 'language', 'invalid_value'],
    ['notes too long', { notes: 'x'.repeat(1001) }, 'notes', 'too_long'],
    ['unknown property', { website: 'x' }, 'website', 'unknown_property'],
  ])('400: %s', async (_, patch, key, message) => {
    expectError(
      await request(t.http)
        .post('/customers')
        .set(auth(token))
        .send({ ...acme, ...patch }),
      400,
      { type: 'validation_error', key, message },
    );
  });

  test('tenant isolation: another business sees nothing and gets 404s', async () => {
    const created = await request(t.http).post('/customers').set(auth(token)).send(acme);
    const id = created.body.data.id;
    expectError(await request(t.http).get(`/customers/${id}`).set(auth(other)), 404);
    expectError(await request(t.http).put(`/customers/${id}`).set(auth(other)).send(acme), 404);
    expectError(await request(t.http).delete(`/customers/${id}`).set(auth(other)), 404);
    expect((await request(t.http).get('/customers').set(auth(other))).body.data.total).toBe(0);
  });

  test('403 without business_uid or scope; 400 on a bad id', async () => {
    const noBusiness = await tokenFor({ business: null });
    expectError(await request(t.http).get('/customers').set(auth(noBusiness)), 403);
    const readOnly = await tokenFor({ scopes: ['customers:read'] });
    expectError(await request(t.http).post('/customers').set(auth(readOnly)).send(acme), 403);
    expectError(await request(t.http).get('/customers/abc').set(auth(token)), 400, {
      key: 'id',
      message: 'invalid_uuid',
    });
  });

  test('the import template lists the columns', async () => {
    const res = await request(t.http).get('/customers/import/template').set(auth(token));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/csv/);
    expect(res.text.trim()).toBe(
      'company_name,description,vat_number,address,city,main_contact,email,phone,language,notes',
    );
  });
});
