import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { AppAssignmentRepository } from '../src/modules/app-assignments/domain/app-assignment.repository.js';
import { AppRepository } from '../src/modules/apps/domain/app.repository.js';
import { ClientRepository } from '../src/modules/clients/domain/client.repository.js';
import { CustomerRepository } from '../src/modules/customers/domain/customer.repository.js';
import { createTestApp, type TestApp, uniqueBusiness, uniqueCode } from './support/test-app.js';

/**
 * What leaves a repository is a plain domain record, never a TypeORM entity instance (its
 * mapper builds it): checked on every method that returns records, against the real database.
 */
function expectPlain(records: object[]): void {
  expect(records.length).toBeGreaterThan(0);
  for (const record of records) expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
}

const PAGE = { page: 1, pageSize: 10 };

describe('repositories return plain domain records', () => {
  let t: TestApp;
  const business = uniqueBusiness();

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  test('customers: insert, findById, list, update', async () => {
    const customers = t.app.get(CustomerRepository);
    const fields = {
      company_name: 'Plain S.r.l.',
      vat_number: 'IT11111111111',
      description: null,
      address: null,
      city: 'Torino',
      main_contact: null,
      email: null,
      phone: null,
      language: 'it' as const,
      notes: null,
    };
    const created = await customers.insert(business, fields);
    expect(created).toMatchObject({ businessUid: business, ...fields });
    const updated = await customers.update(business, created.id, { ...fields, city: 'Asti' });
    expect(updated).toMatchObject({ id: created.id, city: 'Asti' });
    const found = await customers.findById(business, created.id);
    const page = await customers.list(business, undefined, PAGE);
    expectPlain([created, updated!, found!, ...page.items]);
  });

  test('clients: insert, findById, list, update, findByEmails', async () => {
    const clients = t.app.get(ClientRepository);
    const fields = {
      first_name: 'Plain',
      last_name: null,
      email: 'plain@example.com',
      phone: null,
      address: null,
      notes: null,
      organization_id: null,
    };
    const created = await clients.insert(business, fields, 'api');
    expect(created).toMatchObject({ businessUid: business, source: 'api', ...fields });
    const updated = await clients.update(business, created.id, { ...fields, notes: 'n' });
    expect(updated).toMatchObject({ id: created.id, notes: 'n' });
    const found = await clients.findById(business, created.id);
    const page = await clients.list(business, undefined, PAGE);
    const byEmail = await clients.findByEmails(business, ['PLAIN@example.com']);
    expect(byEmail.map((c) => c.id)).toEqual([created.id]);
    expectPlain([created, updated!, found!, ...page.items, ...byEmail]);
  });

  test('apps and assignments: insert, find, list, update, rotate', async () => {
    const apps = t.app.get(AppRepository);
    const assignments = t.app.get(AppAssignmentRepository);
    const code = uniqueCode('plainapp');
    const app = await apps.insert({
      appCodeName: code,
      name: 'Plain',
      appTypes: ['import_clients'],
      redirectUri: 'https://example.com/cb',
      apiUri: null,
      description: null,
      ownerUid: 'owner',
      clientId: `cid-${code}`,
      clientSecretHash: 'hash',
      signingKey: { scheme: 'sha256_of_secret', key: 'k' },
    });
    expect(app).toMatchObject({ appCodeName: code, secretVersion: 1 });
    const byCode = await apps.findByCodeName(code.toUpperCase());
    const byClient = await apps.findByClientId(`cid-${code}`);
    const updated = await apps.update(app.appId, {
      name: 'Plainer',
      appTypes: ['import_clients'],
      redirectUri: 'https://example.com/cb',
      apiUri: null,
      description: 'd',
    });
    const rotated = await apps.rotateSecret(app.appId, {
      clientSecretHash: 'hash2',
      signingKey: { scheme: 'sha256_of_secret', key: 'k2' },
    });
    expect(rotated).toMatchObject({ name: 'Plainer', secretVersion: 2 });
    const appPage = await apps.list(PAGE);

    const assignment = await assignments.insert({
      appId: app.appId,
      assigneeType: 'business',
      assigneeUid: business,
      settings: { assignment_mode: 'internal' },
    });
    expect(assignment).toMatchObject({ appCodeName: code, assigneeUid: business });
    const byUid = await assignments.findByUid(assignment.uid);
    const assignmentPage = await assignments.list({ assigneeUid: business }, PAGE);
    expectPlain([
      app,
      byCode!,
      byClient!,
      updated,
      rotated,
      ...appPage.items,
      assignment,
      byUid!,
      ...assignmentPage.items,
      ...[app, rotated].map((a) => a.signingKey),
      assignment.settings,
    ]);
    await assignments.delete(assignment.uid);
    await apps.delete(rotated);
  });
});
