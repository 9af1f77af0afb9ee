import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { expectError } from './support/envelope.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

describe('clients CRUD (SPEC §5)', () => {
  let t: TestApp;
  let auth: Record<string, string>;
  let other: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_PHONE_REGION: 'IT' });
    auth = { Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness() })}` };
    other = { Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness() })}` };
  });
  afterAll(() => t.close());

  const post = (a: Record<string, string>, body: object) =>
    request(t.http).post('/business/clients/v1/clients').set(a).send(body);

  test('create normalises the phone to E.164, links an organisation, records the source', async () => {
    const customer = await request(t.http)
      .post('/customers')
      .set(auth)
      .send({ company_name: 'Org', vat_number: 'V' });
    const res = await post(auth, {
      first_name: 'Giulia',
      last_name: 'Rossi',
      phone: '347 123 4567',
      organization_id: customer.body.data.id,
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      phone: '+393471234567',
      organization_id: customer.body.data.id,
      source: 'api',
      email: null,
    });
    const international = await post(auth, { first_name: 'John', phone: '+44 20 7946 0958' });
    expect(international.body.data.phone).toBe('+442079460958');
  });

  test('e-mail unique per business, case-insensitively (non-ASCII letters too): 409 on create and update', async () => {
    const first = await post(auth, { first_name: 'Ann', email: 'ann@example.com' });
    expect(first.status).toBe(201);
    expectError(await post(auth, { first_name: 'Ann2', email: 'ANN@Example.com' }), 409, {
      type: 'conflict',
      key: 'email',
      message: 'already_exists',
    });
    expect((await post(other, { first_name: 'Ann', email: 'ann@example.com' })).status).toBe(201); // another business
    const second = await post(auth, { first_name: 'Ben', email: 'ben@example.com' });
    const clash = await request(t.http)
      .put(`/business/clients/v1/clients/${second.body.data.id}`)
      .set(auth)
      .send({ first_name: 'Ben', email: 'Ann@example.com' });
    expectError(clash, 409, { message: 'already_exists' });
    // Non-ASCII letters fold too (Ë = ë, É = é).
    expect((await post(auth, { first_name: 'Zoë', email: 'zoë.élodie@example.com' })).status).toBe(
      201,
    );
    const accented = await post(auth, { first_name: 'Z', email: 'ZOË.ÉLODIE@EXAMPLE.COM' });
    expectError(accented, 409, { key: 'email', message: 'already_exists' });
  });

  test.each([
    ['first_name missing', { email: 'x@example.com' }, 'first_name', 'required'],
    ['neither email nor phone', { first_name: 'X' }, 'email', 'email_or_phone_required'],
    ['invalid email', { first_name: 'X', email: 'nope' }, 'email', 'invalid_email'],
    ['invalid phone', { first_name: 'X', phone: '12' }, 'phone', 'invalid_phone'],
    [
      'first_name too long',
      { first_name: 'x'.repeat(101), phone: '+393471234567' },
      'first_name',
      'too_long',
    ],
    [
      'organization_id not a uuid',
      { first_name: 'X', phone: '+393471234567', organization_id: 'abc' },
      'organization_id',
      'invalid_uuid',
    ],
    [
      'organization_id of nobody',
      { first_name: 'X', phone: '+393471234567', organization_id: randomUUID() },
      'organization_id',
      'not_found',
    ],
  ])('400: %s', async (_, body, key, message) => {
    expectError(await post(auth, body), 400, { type: 'validation_error', key, message });
  });

  test("another business's customer cannot be an organisation; another business's client is a 404", async () => {
    const theirs = await request(t.http)
      .post('/customers')
      .set(other)
      .send({ company_name: 'Theirs', vat_number: 'T' });
    expectError(
      await post(auth, {
        first_name: 'X',
        phone: '+393471234567',
        organization_id: theirs.body.data.id,
      }),
      400,
      { key: 'organization_id', message: 'not_found' },
    );
    const mine = await post(auth, { first_name: 'Mine', phone: '+393471234599' });
    expectError(
      await request(t.http).get(`/business/clients/v1/clients/${mine.body.data.id}`).set(other),
      404,
    );
    expectError(
      await request(t.http).delete(`/business/clients/v1/clients/${mine.body.data.id}`).set(other),
      404,
    );
  });

  test('list with search and pagination; delete', async () => {
    await post(auth, {
      first_name: 'Searchable',
      last_name: 'Person',
      email: 'findme@example.com',
    });
    const found = await request(t.http).get('/business/clients/v1/clients?search=findme').set(auth);
    expect(found.body.data).toMatchObject({ total: 1, items: [{ first_name: 'Searchable' }] });
    const byName = await request(t.http)
      .get('/business/clients/v1/clients?search=searchable%20person')
      .set(auth);
    expect(byName.body.data.total).toBe(1);
    expectError(
      await request(t.http).get('/business/clients/v1/clients?page_size=500').set(auth),
      400,
      { key: 'page_size' },
    );
    const id = found.body.data.items[0].id;
    expect(
      (await request(t.http).delete(`/business/clients/v1/clients/${id}`).set(auth)).body.data.id,
    ).toBe(id);
    expectError(await request(t.http).get(`/business/clients/v1/clients/${id}`).set(auth), 404);
  });

  test('scopes and business', async () => {
    const readOnly = { Authorization: `Bearer ${await tokenFor({ scopes: ['clients:read'] })}` };
    expectError(await post(readOnly, { first_name: 'X', phone: '+393471234567' }), 403);
    const noBusiness = { Authorization: `Bearer ${await tokenFor({ business: null })}` };
    expectError(await request(t.http).get('/business/clients/v1/clients').set(noBusiness), 403);
  });
});
