/** Secrets never reach the logs: tokens, client secrets, even at the most verbose level. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { tokenFor, uniqueCode } from './support/test-app.js';

describe('logs', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildServer({ LOG_LEVEL: 'trace' });
  });
  afterAll(() => server.kill('SIGKILL'));

  test('bearer tokens, client secrets and Basic credentials are redacted', async () => {
    const token = await tokenFor({ sub: 'log-user' });
    const created = await request(server.url)
      .post('/platform/v1/apps')
      .set('Authorization', `Bearer ${token}`)
      .send({
        name: 'Logged App',
        app_code_name: uniqueCode('log'),
        app_type: 'payments',
        redirect_uri: 'https://example.com',
      });
    expect(created.status).toBe(201);
    const { client_id: clientId, client_secret: secret } = created.body.data;
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
});
