/**
 * Security matrix over every protected endpoint: bad tokens → 401; each missing scope → 403;
 * another business → 404 (never data), or the import's "not found or expired" 400.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SignJWT, UnsecuredJWT } from 'jose';
import request from 'supertest';
import { signToken } from '../src/shared/auth/jwt.js';
import { SCOPES, type Scope } from '../src/shared/auth/principal.js';
import { customersCsv } from './support/csv.js';
import { assignApp, registerApp } from './support/fixtures.js';
import {
  createTestApp,
  TEST_SECRET,
  type TestApp,
  tokenFor,
  uniqueBusiness,
  uniqueCode,
} from './support/test-app.js';

type Method = 'get' | 'post' | 'put' | 'delete';
interface Endpoint {
  method: Method;
  path: string;
  scope: Scope;
  body?: object;
  csv?: boolean;
  /** What another business gets for A's resource: 404, or 400 for import ids; none for lists. */
  foreign?: 404 | 400;
}

const ids = {
  customer: '',
  client: '',
  customersImport: '',
  clientsImport: '',
  assignment: '',
  app: '',
};

function endpoints(): Endpoint[] {
  const customer = { company_name: 'Matrix Co', vat_number: 'M1' };
  const client = { first_name: 'Matrix', email: `m${Date.now()}@example.com` };
  return [
    {
      method: 'post',
      path: '/platform/v1/apps',
      scope: 'apps:write',
      body: {
        name: 'Matrix App',
        app_code_name: uniqueCode('m'),
        app_type: 'payments',
        redirect_uri: 'https://example.com',
      },
    },
    { method: 'get', path: '/platform/v1/apps', scope: 'apps:read' },
    { method: 'get', path: `/platform/v1/apps/${ids.app}`, scope: 'apps:read' },
    {
      method: 'put',
      path: `/platform/v1/apps/${ids.app}`,
      scope: 'apps:write',
      body: { name: 'Matrix App', app_type: 'payments', redirect_uri: 'https://example.com' },
    },
    { method: 'delete', path: `/platform/v1/apps/${ids.app}`, scope: 'apps:write' },
    {
      method: 'post',
      path: '/v3/apps/app_assignments',
      scope: 'app_assignments:write',
      body: {
        app_code_name: ids.app,
        assignee_uid: 'x',
        assignee_type: 'business',
        settings: { assignment_mode: 'internal' },
      },
    },
    { method: 'get', path: '/v3/apps/app_assignments', scope: 'app_assignments:read' },
    {
      method: 'get',
      path: `/v3/apps/app_assignments/${ids.assignment}`,
      scope: 'app_assignments:read',
      foreign: 404,
    },
    {
      method: 'delete',
      path: `/v3/apps/app_assignments/${ids.assignment}`,
      scope: 'app_assignments:write',
      foreign: 404,
    },
    { method: 'post', path: '/customers', scope: 'customers:write', body: customer },
    { method: 'get', path: '/customers', scope: 'customers:read' },
    { method: 'get', path: `/customers/${ids.customer}`, scope: 'customers:read', foreign: 404 },
    {
      method: 'put',
      path: `/customers/${ids.customer}`,
      scope: 'customers:write',
      body: customer,
      foreign: 404,
    },
    {
      method: 'delete',
      path: `/customers/${ids.customer}`,
      scope: 'customers:write',
      foreign: 404,
    },
    { method: 'get', path: '/customers/import/template', scope: 'customers:read' },
    { method: 'post', path: '/customers/import/validate', scope: 'customers:import', csv: true },
    {
      method: 'post',
      path: '/customers/import/confirm',
      scope: 'customers:import',
      body: { import_id: ids.customersImport },
      foreign: 400,
    },
    {
      method: 'get',
      path: `/customers/import/${ids.customersImport}`,
      scope: 'customers:import',
      foreign: 404,
    },
    {
      method: 'get',
      path: `/customers/import/${ids.customersImport}/errors.csv`,
      scope: 'customers:import',
      foreign: 404,
    },
    {
      method: 'post',
      path: `/customers/import/${ids.customersImport}/revert`,
      scope: 'customers:import',
      foreign: 404,
    },
    {
      method: 'get',
      path: `/customers/import/${ids.customersImport}/revert/results`,
      scope: 'customers:import',
      foreign: 404,
    },
    { method: 'post', path: '/business/clients/v1/clients', scope: 'clients:write', body: client },
    { method: 'get', path: '/business/clients/v1/clients', scope: 'clients:read' },
    {
      method: 'get',
      path: `/business/clients/v1/clients/${ids.client}`,
      scope: 'clients:read',
      foreign: 404,
    },
    {
      method: 'put',
      path: `/business/clients/v1/clients/${ids.client}`,
      scope: 'clients:write',
      body: client,
      foreign: 404,
    },
    {
      method: 'delete',
      path: `/business/clients/v1/clients/${ids.client}`,
      scope: 'clients:write',
      foreign: 404,
    },
    { method: 'get', path: '/business/clients/v1/import/template', scope: 'clients:read' },
    {
      method: 'post',
      path: '/business/clients/v1/import/validate',
      scope: 'clients:import',
      csv: true,
    },
    {
      method: 'post',
      path: '/business/clients/v1/import/confirm',
      scope: 'clients:import',
      body: { import_id: ids.clientsImport },
      foreign: 400,
    },
    { method: 'get', path: '/business/clients/v1/imports', scope: 'clients:import' },
    {
      method: 'get',
      path: `/business/clients/v1/imports/${ids.clientsImport}`,
      scope: 'clients:import',
      foreign: 404,
    },
    {
      method: 'get',
      path: `/business/clients/v1/imports/${ids.clientsImport}/errors.csv`,
      scope: 'clients:import',
      foreign: 404,
    },
    {
      method: 'post',
      path: `/business/clients/v1/imports/${ids.clientsImport}/revert`,
      scope: 'clients:import',
      foreign: 404,
    },
    {
      method: 'get',
      path: `/business/clients/v1/imports/${ids.clientsImport}/revert/results`,
      scope: 'clients:import',
      foreign: 404,
    },
    {
      method: 'post',
      path: `/business/clients/v1/apps/${ids.app}/import`,
      scope: 'clients:import',
      body: { import_params: { upload_type: 'single' }, fields_mapping: { email: 'E' } },
    },
  ];
}

describe('security matrix', () => {
  let t: TestApp;
  const owner = uniqueBusiness();
  let ownerAuth: Record<string, string>;
  const counts = { unauthenticated: 0, scopes: 0, tenants: 0 };

  beforeAll(async () => {
    t = await createTestApp();
    ownerAuth = { Authorization: `Bearer ${await tokenFor({ business: owner, sub: 'owner' })}` };
    ids.app = uniqueCode('matrix');
    await registerApp(t.http, ownerAuth, {
      code: ids.app,
      name: 'Matrix Owned',
      redirectUri: 'https://example.com',
    });
    ids.assignment = await assignApp(t.http, ownerAuth, ids.app, owner);
    ids.customer = (
      await request(t.http)
        .post('/customers')
        .set(ownerAuth)
        .send({ company_name: 'Secret Co', vat_number: 'S1' })
    ).body.data.id;
    ids.client = (
      await request(t.http)
        .post('/business/clients/v1/clients')
        .set(ownerAuth)
        .send({ first_name: 'Secret', email: 'secret@example.com' })
    ).body.data.id;
    ids.customersImport = (
      await request(t.http)
        .post('/customers/import/validate')
        .set(ownerAuth)
        .attach('file', Buffer.from(customersCsv(2)), 'c.csv')
    ).body.data.import_id;
    ids.clientsImport = (
      await request(t.http)
        .post('/business/clients/v1/import/validate')
        .set(ownerAuth)
        .attach(
          'file',
          Buffer.from(
            'first_name,last_name,email,phone,address,company_name,notes\nA,,a@example.com,,,,\n',
          ),
          'c.csv',
        )
    ).body.data.import_id;
  });
  afterAll(async () => {
    process.stdout.write(
      `security matrix: ${counts.unauthenticated} unauthenticated, ${counts.scopes} scope, ${counts.tenants} tenant cases\n`,
    );
    await t.close();
  });

  const send = (e: Endpoint, headers: Record<string, string>) => {
    const r = request(t.http)[e.method](e.path).set(headers);
    if (e.csv) return r.attach('file', Buffer.from(customersCsv(1)), 'c.csv');
    return e.body ? r.send(e.body) : r;
  };

  const badTokens = async (): Promise<Array<[string, string | undefined]>> => [
    ['no token', undefined],
    ['garbled', 'Bearer abc.def.ghi'],
    [
      'expired',
      `Bearer ${await signToken(TEST_SECRET, { sub: 'u', business_uid: owner, scope: SCOPES.join(' ') }, { expiresIn: -60 })}`,
    ],
    [
      'alg none',
      `Bearer ${new UnsecuredJWT({ business_uid: owner, scope: 'platform:admin' }).setSubject('u').setExpirationTime('1h').encode()}`,
    ],
    [
      'wrongly signed',
      `Bearer ${await new SignJWT({ business_uid: owner, scope: 'platform:admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('x'.repeat(48)))}`,
    ],
  ];

  test('every protected endpoint: 401 for no, garbled, expired, alg:none and wrongly signed tokens', async () => {
    for (const e of endpoints()) {
      for (const [label, header] of await badTokens()) {
        const res = await send(e, header ? { Authorization: header } : {});
        expect({
          endpoint: `${e.method} ${e.path}`,
          label,
          status: res.status,
          body: res.body,
        }).toEqual({
          endpoint: `${e.method} ${e.path}`,
          label,
          status: 401,
          body: { code: 401, message: 'invalid token', data: {} },
        });
        counts.unauthenticated++;
      }
    }
  });

  test('every protected endpoint: 403 when the one scope it needs is missing', async () => {
    for (const e of endpoints()) {
      const others = SCOPES.filter((s) => s !== e.scope && s !== 'platform:admin');
      const res = await send(e, {
        Authorization: `Bearer ${await tokenFor({ business: owner, sub: 'owner', scopes: others })}`,
      });
      expect({
        endpoint: `${e.method} ${e.path}`,
        status: res.status,
        code: res.body.code,
      }).toEqual({ endpoint: `${e.method} ${e.path}`, status: 403, code: 403 });
      counts.scopes++;
    }
  });

  test('another business: 404 (or not found or expired) on every resource, and never its data in a list', async () => {
    const stranger = {
      Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness(), sub: 'stranger' })}`,
    };
    for (const e of endpoints().filter((x) => x.foreign)) {
      const res = await send(e, stranger);
      expect({ endpoint: `${e.method} ${e.path}`, status: res.status }).toEqual({
        endpoint: `${e.method} ${e.path}`,
        status: e.foreign,
      });
      expect(JSON.stringify(res.body ?? res.text)).not.toMatch(/Secret|secret@example.com/);
      counts.tenants++;
    }
    for (const path of [
      '/customers',
      '/business/clients/v1/clients',
      '/business/clients/v1/imports',
      '/v3/apps/app_assignments',
    ]) {
      const res = await request(t.http).get(path).set(stranger);
      expect({ path, status: res.status, total: res.body.data.total }).toEqual({
        path,
        status: 200,
        total: 0,
      });
      counts.tenants++;
    }
    // The owner still has everything.
    expect(
      (await request(t.http).get(`/customers/${ids.customer}`).set(ownerAuth)).body.data
        .company_name,
    ).toBe('Secret Co');
    expect(
      (await request(t.http).get(`/business/clients/v1/clients/${ids.client}`).set(ownerAuth)).body
        .data.email,
    ).toBe('secret@example.com');
  });

  test('rate limits: the token endpoint and the uploads answer 429 past their limit', async () => {
    const limited = await createTestApp();
    try {
      let status = 0;
      for (let i = 0; i < 40 && status !== 429; i++) {
        status = (
          await request(limited.http)
            .post('/oauth/token')
            .send({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' })
        ).status;
      }
      expect(status).toBe(429);
      const auth = { Authorization: `Bearer ${await tokenFor()}` };
      let upload = 0;
      for (let i = 0; i < 70 && upload !== 429; i++) {
        upload = (
          await request(limited.http)
            .post('/customers/import/validate')
            .set(auth)
            .attach('file', Buffer.from(customersCsv(1)), 'c.csv')
        ).status;
      }
      expect(upload).toBe(429);
      // Another tenant is not throttled by the first one's uploads.
      const other = { Authorization: `Bearer ${await tokenFor()}` };
      expect(
        (
          await request(limited.http)
            .post('/customers/import/validate')
            .set(other)
            .attach('file', Buffer.from(customersCsv(1)), 'c.csv')
        ).status,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
