/**
 * The OpenAPI document (/docs-json) as a client generator and a tester in Swagger UI meet it:
 * readable operation ids, the errors each route can give with one true example per status,
 * CSV downloads typed as CSV, the oauth2 scheme, integer counters, examples that match their
 * schemas — and examples that are what the server really answers.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { AppModule } from '../src/app.module.js';
import { loadConfig } from '../src/config/app-config.js';
import { createApiDocument } from '../src/shared/http/configure-app.js';
import { ERROR_TYPES } from '../src/shared/http/envelope.dto.js';
import { RATE_LIMITS } from '../src/shared/http/rate-limit.js';
import {
  examplesOf,
  type OpenApiDocument,
  type Operation,
  operations,
  resolve,
  type Schema,
  validate,
} from './support/openapi-schema.js';
import {
  createTestApp,
  TEST_SECRET,
  type TestApp,
  tokenFor,
  uniqueBusiness,
  uniqueCode,
} from './support/test-app.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SEED_401 = { code: 401, message: 'invalid token', data: {} };
const SEED_403 = { code: 403, message: 'insufficient permissions', data: {} };

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  const ops = () => operations(doc);
  const op = (path: string, method: string): Operation => doc.paths[path][method];
  const json = (o: Operation, status: number | string) =>
    o.responses[String(status)]?.content?.['application/json'];
  const exampleOf = (o: Operation, status: number, name?: string) => {
    const media = json(o, status)!;
    return name ? media.examples![name].value : examplesOf(media)[0];
  };

  beforeAll(async () => {
    t = await createTestApp({ DEFAULT_PHONE_REGION: 'IT' });
    doc = (await request(t.http).get('/docs-json').expect(200)).body as OpenApiDocument;
  });
  afterAll(() => t.close());

  test('the CI check reads the same document without a server or a database', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      AUTH_JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'silent',
    });
    const preview = await NestFactory.create(AppModule.forRoot(config), {
      preview: true,
      logger: false,
    });
    try {
      expect(JSON.parse(JSON.stringify(createApiDocument(preview)))).toEqual(doc);
    } finally {
      await preview.close();
    }
  });

  test('every operation has a readable, unique operationId and a described tag', () => {
    const ids = ops().map(([, , o]) => o.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'validateCustomersImport',
        'confirmCustomersImport',
        'getCustomersImport',
        'getCustomersImportErrorsCsv',
        'validateClientsImport',
        'confirmClientsImport',
        'startClientsAppImport',
        'createApp',
        'createAppAssignment',
        'issueAppToken',
      ]),
    );
    const described = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const [path, method, o] of ops()) {
      expect({ path, method, tags: o.tags }).toMatchObject({ tags: [expect.any(String)] });
      expect(described.get(o.tags![0])).toEqual(expect.any(String));
    }
  });

  test('servers: the API at / and under /api', () => {
    expect(doc.servers?.map((s) => s.url)).toEqual(['/', '/api']);
  });

  test('security: bearer, and an oauth2 client-credentials scheme with its scopes', () => {
    const { bearer, oauth2 } = doc.components.securitySchemes;
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(oauth2).toMatchObject({
      type: 'oauth2',
      flows: {
        clientCredentials: {
          tokenUrl: '/oauth/token',
          scopes: { 'clients:read': expect.any(String), 'clients:import': expect.any(String) },
        },
      },
    });
    // An app token can call the clients import; it can never call customers.
    expect(op('/business/clients/v1/import/confirm', 'post').security).toEqual(
      expect.arrayContaining([{ bearer: [] }, { oauth2: ['clients:import'] }]),
    );
    expect(op('/customers/import/confirm', 'post').security).toEqual([{ bearer: [] }]);
  });

  test('protected routes declare 401, 403 and 503 with the seed texts; business routes the 403 without business_uid; ids their 404; rate-limited routes their 429', () => {
    const protectedOps = ops().filter(([, , o]) => o.security?.length);
    expect(protectedOps.length).toBeGreaterThan(25);
    for (const [path, method, o] of protectedOps) {
      const where = `${method} ${path}`;
      expect({ where, statuses: Object.keys(o.responses) }).toMatchObject({
        statuses: expect.arrayContaining(['401', '403', '503']),
      });
      expect({ where, example: exampleOf(o, 401) }).toEqual({ where, example: SEED_401 });
      expect({ where, example: exampleOf(o, 403, 'insufficient_permissions') }).toEqual({
        where,
        example: SEED_403,
      });
      // The seed's 403 comes first: Swagger UI shows the first example.
      expect(examplesOf(json(o, 403))[0]).toEqual(SEED_403);
      if (path.startsWith('/customers') || path.startsWith('/business/')) {
        expect({ where, example: exampleOf(o, 403, 'no_business_uid') }).toEqual({
          where,
          example: {
            code: 403,
            message: 'insufficient permissions: the token carries no business_uid',
            data: {},
          },
        });
      }
      if (/\{(id|uid|import_id|app_code_name)\}/.test(path)) {
        expect({ where, statuses: Object.keys(o.responses) }).toMatchObject({
          statuses: expect.arrayContaining(['404']),
        });
      }
    }
    for (const path of [
      '/oauth/token',
      '/customers/import/validate',
      '/business/clients/v1/import/validate',
    ]) {
      const limited = op(path, 'post');
      expect(exampleOf(limited, 429)).toMatchObject({
        code: 429,
        data: { type: 'rate_limited' },
      });
    }
  });

  test('the CSV downloads are text/csv strings (the templates an .xlsx too); their errors stay JSON envelopes', () => {
    const csvRoutes = ops().filter(([path]) => /template$|errors\.csv$/.test(path));
    expect(csvRoutes).toHaveLength(4);
    for (const [path, , o] of csvRoutes) {
      expect(Object.keys(o.responses['200'].content!)).toEqual(
        path.endsWith('template') ? ['text/csv', XLSX_TYPE] : ['text/csv'],
      );
      expect(o.responses['200'].content!['text/csv'].schema).toEqual({ type: 'string' });
      for (const status of ['401', '403']) {
        expect(Object.keys(o.responses[status].content!)).toEqual(['application/json']);
      }
    }
    expect(
      examplesOf(op('/customers/import/template', 'get').responses['200'].content!['text/csv']),
    ).toEqual([
      'company_name,description,vat_number,address,city,main_contact,email,phone,language,notes\r\n',
    ]);
    const template = op('/business/clients/v1/import/template', 'get');
    expect(template.responses['200'].content![XLSX_TYPE].schema).toMatchObject({
      type: 'string',
      format: 'binary',
    });
    expect(template.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'format',
          in: 'query',
          required: false,
          schema: expect.objectContaining({ enum: ['csv', 'xlsx'], default: 'csv' }),
        }),
      ]),
    );
  });

  test('the validate forms take an optional, empty sheet; an .xls, .ods or encrypted workbook is a documented 415', () => {
    for (const path of ['/customers/import/validate', '/business/clients/v1/import/validate']) {
      const o = op(path, 'post');
      const form = o.requestBody!.content['multipart/form-data'].schema!;
      expect(form.required).toEqual(['file']);
      expect((form.properties as Record<string, Schema>).sheet).toMatchObject({
        type: 'string',
        example: '',
      });
      expect(Object.keys(json(o, 415)!.examples!)).toEqual(['xls', 'encrypted', 'ods']);
      expect(exampleOf(o, 415, 'xls')).toEqual({
        code: 415,
        message:
          'this is a legacy Excel 97-2003 workbook (.xls): save it as .xlsx or CSV and upload it again',
        data: {
          type: 'unsupported_media_type',
          errors: [{ key: 'file', message: 'unsupported_file_type', value: 'xls' }],
        },
      });
      expect(Object.keys(json(o, 400)!.examples!)).toEqual(
        expect.arrayContaining(['invalid_xlsx', 'sheet_not_found']),
      );
      expect(Object.keys(json(o, 413)!.examples!)).toEqual([
        'file_too_large',
        'uncompressed_too_large',
        'too_many_entries',
      ]);
    }
  });

  test('counters, row numbers, pages and codes are integers; candidates are objects; the error type enum is complete', () => {
    const schemas = doc.components.schemas;
    const props = (name: string) => (schemas[name].properties ?? {}) as Record<string, Schema>;
    const integers: Array<[string, string[]]> = [
      [
        'ValidateResultDto',
        ['total_rows', 'valid_rows', 'warning_rows', 'error_rows', 'ambiguous_rows'],
      ],
      ['ConfirmResultDto', ['created', 'updated', 'skipped', 'failed']],
      ['ImportStatusDto', ['created', 'updated', 'skipped', 'failed', 'rows_processed']],
      ['RowResultDto', ['row_number']],
      ['ImportRowDto', ['row_number']],
      ['ImportSummaryDto', ['total_rows', 'rows_collected', 'rows_processed']],
      ['PageMetaDto', ['page', 'page_size', 'total']],
      ['ErrorEnvelopeDto', ['code']],
      ['BareErrorEnvelopeDto', ['code']],
      ['TokenResponseDto', ['expires_in']],
    ];
    for (const [name, keys] of integers)
      for (const key of keys)
        expect({ name, key, type: props(name)[key]?.type }).toEqual({ name, key, type: 'integer' });

    const candidates = props('ImportIssueDto').candidates;
    expect(candidates.type).toBe('array');
    const candidate = resolve(doc, candidates.items as Schema);
    expect(candidate).toMatchObject({
      type: 'object',
      required: ['logto_id', 'name', 'type'],
      properties: { logto_id: { type: 'string' }, type: { enum: ['customer'] } },
    });
    expect(Object.keys(props('ImportSummaryDto'))).toEqual(
      expect.arrayContaining(['channel', 'app_code_name', 'rows_collected', 'rows_processed']),
    );
    expect(Object.keys(props('ImportRowDto'))).toEqual(
      expect.arrayContaining(['existing_id', 'diff']),
    );
    expect(resolve(doc, { $ref: '#/components/schemas/ErrorType' }).enum).toEqual([...ERROR_TYPES]);
    expect(ERROR_TYPES).toEqual(
      expect.arrayContaining([
        'validation_error',
        'external_api_error',
        'conflict',
        'payload_too_large',
        'precondition_failed',
        'rate_limited',
        'unavailable',
        'unsupported_media_type',
      ]),
    );
    // Every status the import can show, and every reason a row can be skipped for.
    expect(resolve(doc, { $ref: '#/components/schemas/ImportStatus' }).enum).toEqual(
      expect.arrayContaining([
        'collecting',
        'validated',
        'confirming',
        'completed',
        'failed',
        'expired',
      ]),
    );
    expect(resolve(doc, { $ref: '#/components/schemas/SkipReason' }).enum).toEqual([
      'error',
      'warning_not_overridden',
      'ambiguous_unresolved',
    ]);
  });

  test('every JSON answer is an envelope with code, message and data required; every example matches its schema; error examples differ by status', () => {
    for (const [path, method, o] of ops()) {
      const where = `${method} ${path}`;
      const errorExamples = new Map<string, string>();
      for (const [status, response] of Object.entries(o.responses)) {
        const media = response.content?.['application/json'];
        if (!media?.schema) continue;
        const schema = resolve(doc, media.schema);
        if (path !== '/oauth/token')
          expect({ where, status, required: schema.required }).toEqual({
            where,
            status,
            required: expect.arrayContaining(['code', 'message', 'data']),
          });
        for (const example of examplesOf(media)) {
          expect({ where, status, problems: validate(doc, media.schema, example) }).toEqual({
            where,
            status,
            problems: [],
          });
          if (path !== '/oauth/token')
            expect({ where, status, code: (example as { code: number }).code }).toEqual({
              where,
              status,
              code: Number(status),
            });
          if (Number(status) >= 400) errorExamples.set(status, JSON.stringify(example));
        }
      }
      expect({ where, distinct: new Set(errorExamples.values()).size }).toEqual({
        where,
        distinct: errorExamples.size,
      });
    }
  });

  test('every JSON request body has an example that its schema accepts', () => {
    for (const [path, method, o] of ops()) {
      const media = o.requestBody?.content['application/json'];
      if (!media) continue;
      const [example] = examplesOf(media);
      expect({ path, method, example: example !== undefined }).toEqual({
        path,
        method,
        example: true,
      });
      expect({ path, method, problems: validate(doc, media.schema!, example, '$', true) }).toEqual({
        path,
        method,
        problems: [],
      });
    }
    // The clients confirm prefill must not name rows the tester's file does not have.
    const confirm = op('/business/clients/v1/import/confirm', 'post');
    expect(examplesOf(confirm.requestBody!.content['application/json'])[0]).toMatchObject({
      resolutions: {},
    });
    // The create-client prefill names no made-up organisation.
    const create = op('/business/clients/v1/clients', 'post');
    expect(examplesOf(create.requestBody!.content['application/json'])[0]).not.toHaveProperty(
      'organization_id',
    );
    // The clients validate form does not prefill fields_mapping with a sample that fails.
    const form = op('/business/clients/v1/import/validate', 'post').requestBody!.content[
      'multipart/form-data'
    ].schema!;
    expect((form.properties as Record<string, Schema>).fields_mapping.example).toBe('');
  });

  test('the customers validate example shows no warning or ambiguous row; the clients one does', () => {
    const data = (path: string) =>
      (exampleOf(op(path, 'post'), 200) as { data: { rows: Array<{ status: string }> } }).data;
    const customers = data('/customers/import/validate');
    expect(customers).toMatchObject({ warning_rows: 0, ambiguous_rows: 0 });
    expect(customers.rows.map((r) => r.status)).not.toEqual(expect.arrayContaining(['warning']));
    expect(customers.rows.map((r) => r.status)).not.toEqual(expect.arrayContaining(['ambiguous']));
    const clients = data('/business/clients/v1/import/validate');
    expect(clients.rows.map((r) => r.status)).toEqual(
      expect.arrayContaining(['valid', 'warning', 'ambiguous', 'error']),
    );
  });

  describe('the examples are what the server answers', () => {
    test('401, 403 (scope, business), 404, 409 and 400 as documented, to the byte', async () => {
      const business = uniqueBusiness();
      const auth = { Authorization: `Bearer ${await tokenFor({ business })}` };

      const getCustomer = op('/customers/{id}', 'get');
      expect((await request(t.http).get('/customers')).body).toEqual(SEED_401);
      const noScope = { Authorization: `Bearer ${await tokenFor({ scopes: ['apps:read'] })}` };
      expect((await request(t.http).get('/customers').set(noScope)).body).toEqual(SEED_403);
      const noBusiness = { Authorization: `Bearer ${await tokenFor({ business: null })}` };
      expect((await request(t.http).get('/customers').set(noBusiness)).body).toEqual(
        exampleOf(getCustomer, 403, 'no_business_uid'),
      );

      const missing = exampleOf(getCustomer, 404) as { message: string };
      const id = /customer (\S+) not found/.exec(missing.message)![1];
      expect((await request(t.http).get(`/customers/${id}`).set(auth)).body).toEqual(missing);
      const getClient = op('/business/clients/v1/clients/{id}', 'get');
      const clientMissing = exampleOf(getClient, 404) as { message: string };
      const clientId = /client (\S+) not found/.exec(clientMissing.message)![1];
      expect(
        (await request(t.http).get(`/business/clients/v1/clients/${clientId}`).set(auth)).body,
      ).toEqual(clientMissing);
      const status = op('/customers/import/{import_id}', 'get');
      const importMissing = exampleOf(status, 404) as { message: string };
      const importId = /import (\S+) not found/.exec(importMissing.message)![1];
      expect((await request(t.http).get(`/customers/import/${importId}`).set(auth)).body).toEqual(
        importMissing,
      );
      expect((await request(t.http).get('/customers/import/not-a-uuid').set(auth)).body).toEqual(
        exampleOf(status, 400),
      );
      expect((await request(t.http).get('/customers?page_size=500').set(auth)).body).toEqual(
        exampleOf(op('/customers', 'get'), 400),
      );

      const createClient = op('/business/clients/v1/clients', 'post');
      const body = examplesOf(createClient.requestBody!.content['application/json'])[0] as object;
      expect(
        (await request(t.http).post('/business/clients/v1/clients').set(auth).send(body)).status,
      ).toBe(201);
      const again = await request(t.http).post('/business/clients/v1/clients').set(auth).send(body);
      expect(again.body).toEqual(exampleOf(createClient, 409));
      const invalid = await request(t.http)
        .post('/business/clients/v1/clients')
        .set(auth)
        .send({ ...body, email: 'not-an-email' });
      expect(invalid.body).toEqual(exampleOf(createClient, 400));

      const confirm = op('/customers/import/confirm', 'post');
      const prefill = examplesOf(confirm.requestBody!.content['application/json'])[0] as object;
      expect(
        (await request(t.http).post('/customers/import/confirm').set(auth).send(prefill)).body,
      ).toEqual(exampleOf(confirm, 400, 'not_found_or_expired'));
      const validate = op('/customers/import/validate', 'post');
      const noFirstColumn = await request(t.http)
        .post('/customers/import/validate')
        .set(auth)
        .attach(
          'file',
          Buffer.from(
            'description,vat_number,address,city,main_contact,email,phone,language,notes\n,V1,,,,,,,\n',
          ),
          'c.csv',
        );
      expect(noFirstColumn.body).toEqual(exampleOf(validate, 400, 'missing_columns'));
    });

    test('the Excel errors of validate, as documented: .xls, .ods, encrypted (415), damaged, unknown sheet (400)', async () => {
      const auth = { Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness() })}` };
      const xlsx = (name: string) =>
        readFileSync(new URL(`./fixtures/xlsx/${name}`, import.meta.url));
      const upload = (name: string, sheet?: string) => {
        const r = request(t.http).post('/business/clients/v1/import/validate').set(auth);
        if (sheet) r.field('sheet', sheet);
        return r.attach('file', xlsx(name), name);
      };
      const validate = op('/business/clients/v1/import/validate', 'post');
      for (const [name, example] of [
        ['customers-types.xls', 'xls'],
        ['customers-password.xlsx', 'encrypted'],
        ['customers-types.ods', 'ods'],
      ]) {
        expect((await upload(name)).body).toEqual(exampleOf(validate, 415, example));
      }
      expect((await upload('customers-truncated.xlsx')).body).toEqual(
        exampleOf(validate, 400, 'invalid_xlsx'),
      );
      expect((await upload('customers-two-sheets.xlsx', 'Clients')).body).toEqual(
        exampleOf(validate, 400, 'sheet_not_found'),
      );
    });

    test('422: an app of the wrong type, as documented', async () => {
      const business = uniqueBusiness();
      const auth = { Authorization: `Bearer ${await tokenFor({ business })}` };
      const code = uniqueCode();
      await request(t.http)
        .post('/platform/v1/apps')
        .set(auth)
        .send({
          name: 'Payments App',
          app_code_name: code,
          app_type: 'payments',
          redirect_uri: 'https://example.com/cb',
        })
        .expect(201);
      const start = op('/business/clients/v1/apps/{app_code_name}/import', 'post');
      const res = await request(t.http)
        .post(`/business/clients/v1/apps/${code}/import`)
        .set(auth)
        .send(examplesOf(start.requestBody!.content['application/json'])[0] as object);
      const documented = JSON.stringify(exampleOf(start, 422, 'wrong_type')).replaceAll(
        'testimportapp1700000000',
        code,
      );
      expect(res.body).toEqual(JSON.parse(documented));
    });

    test('413: a file over the limit, as documented', async () => {
      const validate = op('/customers/import/validate', 'post');
      const token = await tokenFor();
      const server = t.app.getHttpServer() as Server;
      if (!server.listening) await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      // Announce 60 MB and send a few bytes: the server answers from the declared length.
      const answer = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/customers/import/validate',
            method: 'POST',
            headers: {
              Authorization: `Bearer ${token}`,
              'Content-Type': 'multipart/form-data; boundary=x',
              'Content-Length': String(60 * 1024 * 1024),
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.write('--x\r\n');
      });
      expect(JSON.parse(answer)).toEqual(exampleOf(validate, 413));
    });

    test('429: the 61st upload a minute, counted across / and /api, as documented', async () => {
      const path = '/customers/import/validate';
      const auth = { Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness() })}` };
      for (let i = 0; i < RATE_LIMITS.import_validate.points; i++) {
        const res = await request(t.http)
          .post(i % 2 ? path : `/api${path}`)
          .set(auth);
        expect(res.status).toBe(400); // no file: counted all the same
      }
      const limited = await request(t.http).post(`/api${path}`).set(auth);
      expect(limited.body).toEqual(exampleOf(op(path, 'post'), 429));
    });

    test('customers: the validate, confirm, errors.csv and undo examples are a real run of the example file', async () => {
      const auth = { Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness() })}` };
      const documented = (
        exampleOf(op('/customers/import/validate', 'post'), 200) as {
          data: { rows: Array<{ data: Record<string, string> }> } & Record<string, unknown>;
        }
      ).data;
      const validated = await request(t.http)
        .post('/customers/import/validate')
        .set(auth)
        .attach('file', Buffer.from(csvOf(documented.rows)), 'customers.csv')
        .expect(200);
      expect(validated.body.data).toEqual({
        ...documented,
        import_id: expect.any(String),
        expires_at: expect.any(String),
      });

      const confirmed = await request(t.http)
        .post('/customers/import/confirm')
        .set(auth)
        .send({ import_id: validated.body.data.import_id, override: false, resolutions: {} })
        .expect(200);
      const confirmDoc = exampleOf(op('/customers/import/confirm', 'post'), 200) as {
        data: { results: Array<Record<string, unknown>> };
      };
      expect(withoutIds(confirmed.body.data)).toEqual(withoutIds(confirmDoc.data));

      const csv = await request(t.http)
        .get(`/customers/import/${validated.body.data.import_id}/errors.csv`)
        .set(auth)
        .expect(200);
      const csvDoc = op('/customers/import/{import_id}/errors.csv', 'get').responses['200']
        .content!['text/csv'].example;
      expect(csv.text.replace(/^\uFEFF/, '')).toBe(csvDoc);

      // The undo example: a client was attached to row 2's customer since.
      const revert = op('/customers/import/{import_id}/revert', 'post');
      await request(t.http)
        .post('/business/clients/v1/clients')
        .set(auth)
        .send({
          first_name: 'Rita',
          email: 'rita@example.com',
          organization_id: confirmed.body.data.results[0].id,
        })
        .expect(201);
      const reverted = await request(t.http)
        .post(`/customers/import/${validated.body.data.import_id}/revert`)
        .set(auth)
        .expect(200);
      expect(withoutIds(reverted.body)).toEqual(withoutIds(exampleOf(revert, 200)));
      const accepted = await request(t.http)
        .post(`/customers/import/${validated.body.data.import_id}/revert`)
        .set(auth)
        .set('Prefer', 'respond-async');
      // Already undone: a replay of the status; the 202 example has the status's shape.
      expect(Object.keys(accepted.body.data).sort()).toEqual(
        Object.keys((exampleOf(revert, 202) as { data: object }).data).sort(),
      );
      const replayed = await request(t.http)
        .post(`/customers/import/${validated.body.data.import_id}/revert`)
        .set(auth)
        .expect(200);
      expect(replayed.headers['idempotent-replayed']).toBe('true');
      expect(replayed.body).toEqual(reverted.body);
      const neverConfirmed = await request(t.http)
        .post('/customers/import/validate')
        .set(auth)
        .attach('file', Buffer.from(csvOf(documented.rows)), 'customers.csv')
        .expect(200);
      const refused = await request(t.http)
        .post(`/customers/import/${neverConfirmed.body.data.import_id}/revert`)
        .set(auth)
        .expect(409);
      expect(withoutIds(refused.body)).toEqual(
        withoutIds(exampleOf(revert, 409, 'nothing_to_revert')),
      );
    });

    test('clients: the validate, confirm, errors.csv and undo examples are a real run of the example file', async () => {
      const auth = { Authorization: `Bearer ${await tokenFor({ business: uniqueBusiness() })}` };
      // What the example assumes: two customers called Gamma, one Acme S.p.A., one client Marco.
      for (const [name, vat] of [
        ['Gamma', 'G1'],
        ['Gamma', 'G2'],
        ['Acme S.p.A.', 'A1'],
      ]) {
        await request(t.http)
          .post('/customers')
          .set(auth)
          .send({ company_name: name, vat_number: vat })
          .expect(201);
      }
      await request(t.http)
        .post('/business/clients/v1/clients')
        .set(auth)
        .send({
          first_name: 'Marco',
          last_name: 'Bianchi',
          email: 'marco.bianchi@example.com',
          phone: '+39 02 1111 111',
        })
        .expect(201);

      const documented = (
        exampleOf(op('/business/clients/v1/import/validate', 'post'), 200) as {
          data: { rows: Array<{ data: Record<string, string> }> } & Record<string, unknown>;
        }
      ).data;
      const validated = await request(t.http)
        .post('/business/clients/v1/import/validate')
        .set(auth)
        .attach('file', Buffer.from(csvOf(documented.rows)), 'clients.csv')
        .expect(200);
      expect(withoutIds(validated.body.data)).toEqual(withoutIds(documented));

      const ambiguous = validated.body.data.rows.find(
        (r: { status: string }) => r.status === 'ambiguous',
      );
      const candidate = ambiguous.errors[0].candidates[0].logto_id as string;
      const confirmed = await request(t.http)
        .post('/business/clients/v1/import/confirm')
        .set(auth)
        .send({
          import_id: validated.body.data.import_id,
          override: true,
          resolutions: { [ambiguous.row_number]: { organization_id: candidate } },
        })
        .expect(200);
      const confirmDoc = exampleOf(op('/business/clients/v1/import/confirm', 'post'), 200) as {
        data: object;
      };
      expect(withoutIds(confirmed.body.data)).toEqual(withoutIds(confirmDoc.data));

      const csv = await request(t.http)
        .get(`/business/clients/v1/imports/${validated.body.data.import_id}/errors.csv`)
        .set(auth)
        .expect(200);
      const csvDoc = op('/business/clients/v1/imports/{import_id}/errors.csv', 'get').responses[
        '200'
      ].content!['text/csv'].example;
      expect(csv.text.replace(/^\uFEFF/, '')).toBe(csvDoc);

      // The undo example: Giulia's phone (row 2) was changed by hand since.
      const giulia = confirmed.body.data.results[0].id as string;
      const {
        id: _id,
        source: _s,
        created_at: _c,
        updated_at: _u,
        ...fields
      } = (
        await request(t.http).get(`/business/clients/v1/clients/${giulia}`).set(auth).expect(200)
      ).body.data;
      await request(t.http)
        .put(`/business/clients/v1/clients/${giulia}`)
        .set(auth)
        .send({ ...fields, phone: '+39 347 987 6543' })
        .expect(200);
      const reverted = await request(t.http)
        .post(`/business/clients/v1/imports/${validated.body.data.import_id}/revert`)
        .set(auth)
        .expect(200);
      expect(withoutIds(reverted.body)).toEqual(
        withoutIds(exampleOf(op('/business/clients/v1/imports/{import_id}/revert', 'post'), 200)),
      );
    });
  });
});

/** The CSV whose validate gives these rows: their cells, in column order. */
function csvOf(rows: Array<{ data: Record<string, string> }>): string {
  const columns = Object.keys(rows[0].data);
  const cell = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return (
    [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r.data[c])).join(','))].join(
      '\n',
    ) + '\n'
  );
}

/** Generated ids and times replaced by a placeholder: the examples' own are made up. */
function withoutIds(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value)
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')
      .replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '<time>'),
  );
}
