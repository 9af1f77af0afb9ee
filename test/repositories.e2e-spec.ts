import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DataSource } from 'typeorm';
import { UploadRepository } from '../src/import/domain/upload.repository.js';
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

describe('stored uploads (binary COPY both ways)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function* pieces(bytes: Buffer, size: number, failAfter?: number) {
    for (let offset = 0; offset < bytes.length; offset += size) {
      if (failAfter !== undefined && offset >= failAfter) throw new Error('the source broke');
      await new Promise((resolve) => setImmediate(resolve));
      yield bytes.subarray(offset, offset + size);
    }
  }

  async function readAll(sessionId: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of t.app.get(UploadRepository).read(sessionId)) parts.push(part);
    return Buffer.concat(parts);
  }

  const chunksOf = async (sessionId: string) =>
    (
      await t.app
        .get(DataSource)
        .query(
          `SELECT seq, length(data)::int AS bytes FROM import_uploads WHERE session_id = $1 ORDER BY seq`,
          [sessionId],
        )
    ).map((row: { seq: number; bytes: number }) => [row.seq, row.bytes]);

  test('bytes come back as they went in, in 1 MiB chunks, while other queries run', async () => {
    const uploads = t.app.get(UploadRepository);
    const sessionId = randomUUID();
    const bytes = randomBytes(2.5 * 1024 * 1024 + 7);
    const others = Array.from({ length: 20 }, (_, i) =>
      t.app.get(DataSource).query(`SELECT $1::int AS n`, [i]),
    );
    expect(await uploads.store(sessionId, pieces(bytes, 300_001))).toBe(bytes.length);
    expect((await Promise.all(others)).map((rows) => rows[0].n)).toEqual([...Array(20).keys()]);
    expect(await chunksOf(sessionId)).toEqual([
      [0, 1024 * 1024],
      [1, 1024 * 1024],
      [2, 0.5 * 1024 * 1024 + 7],
    ]);
    expect((await readAll(sessionId)).equals(bytes)).toBe(true);
    // Stored again: the earlier copy is replaced, not added to.
    expect(await uploads.store(sessionId, pieces(Buffer.from('a,b\n1,2\n'), 3))).toBe(8);
    expect((await readAll(sessionId)).toString()).toBe('a,b\n1,2\n');
    await uploads.delete(sessionId);
    expect(await chunksOf(sessionId)).toEqual([]);
    expect((await readAll(sessionId)).length).toBe(0);
  });

  test('a source that fails part-way stores nothing, and the database goes on serving', async () => {
    const uploads = t.app.get(UploadRepository);
    const sessionId = randomUUID();
    const bytes = randomBytes(3 * 1024 * 1024);
    await expect(
      uploads.store(sessionId, pieces(bytes, 256 * 1024, 1.5 * 1024 * 1024)),
    ).rejects.toThrow('the source broke');
    expect(await chunksOf(sessionId)).toEqual([]);
    expect(await t.app.get(DataSource).query(`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
  });
});
