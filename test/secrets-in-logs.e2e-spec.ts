/**
 * Secrets never reach the logs: tokens, client secrets, the parameters of SQL queries, tokens
 * sent in a URL — even at the most verbose level.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { bearer, registerApp } from './support/fixtures.js';
import { tokenFor, uniqueCode } from './support/test-app.js';

describe('logs', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildServer({ LOG_LEVEL: 'trace' });
  });
  afterAll(() => server.kill('SIGKILL'));

  test('bearer tokens, client secrets and Basic credentials are redacted', async () => {
    const token = await tokenFor({ sub: 'log-user' });
    const { clientId, secret } = await registerApp(server.url, bearer(token), {
      code: uniqueCode('log'),
      name: 'Logged App',
      appType: 'payments',
      redirectUri: 'https://example.com',
    });
    const json = await request(server.url)
      .post('/oauth/token')
      .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    expect(json.status).toBe(200);
    const basic = await request(server.url)
      .post('/oauth/token')
      .auth(clientId, secret)
      .type('form')
      .send({ grant_type: 'client_credentials' });
    expect(basic.status).toBe(200);
    await request(server.url).post('/oauth/token').send({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: 'wrong-secret-value',
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logs = server.output();
    expect(logs).toContain('/oauth/token'); // the requests were logged…
    for (const secretValue of [
      token,
      secret,
      json.body.access_token,
      basic.body.access_token,
      'wrong-secret-value',
      Buffer.from(`${clientId}:${secret}`).toString('base64'),
    ]) {
      expect(logs).not.toContain(secretValue); // …without their secrets
    }
  });

  test('a refused insert is logged without its SQL parameters', async () => {
    // owner_uid is varchar(255): a longer `sub` makes the database refuse the app's insert,
    // whose parameters hold the app's client_secret hash and its sealed secret.
    const marker = `marker-${randomUUID()}`;
    const token = await tokenFor({ sub: `u${'x'.repeat(300)}` });
    const from = server.output().length;
    const refused = await request(server.url)
      .post('/platform/v1/apps')
      .set('Authorization', `Bearer ${token}`)
      .send({
        name: 'Refused App',
        app_code_name: uniqueCode('refused'),
        app_type: 'payments',
        redirect_uri: 'https://example.com',
        description: marker,
      });
    expect(refused.status).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logs = server.output().slice(from);
    expect(logs).toContain('data exception from user input'); // the error was logged…
    expect(logs).toContain('22001');
    expect(logs).not.toContain(marker); // …without the values of the query
    expect(logs).not.toContain('scrypt$');
    expect(logs).toContain('"parameters":"[redacted]"');
    expect(logs).not.toMatch(/Failing row contains/);
  });

  test('a token or secret sent in the query string is logged redacted', async () => {
    const token = await tokenFor({ sub: 'query-user' });
    const from = server.output().length;
    const res = await request(server.url).get(
      `/customers?page=1&access_token=${token}&Client_Secret=sk_in_the_url&search=kept`,
    );
    expect(res.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logs = server.output().slice(from);
    expect(logs).toContain('/customers?page=1&access_token=[redacted]');
    expect(logs).toContain('search=kept');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[1]);
    expect(logs).not.toContain('sk_in_the_url');
  });
});
