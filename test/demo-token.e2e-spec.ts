/**
 * The development demo token, as a newcomer meets it: `npm start` with no secret prints it bare
 * on its own line, and that line pasted as it is works as the bearer token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { type ChildServer, startChildServer } from './support/child-server.js';

describe('the demo token printed at startup', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'import-backend-demo-'));
  let server: ChildServer;
  beforeAll(async () => {
    server = await startChildServer({
      NODE_ENV: 'development',
      AUTH_JWT_SECRET: '',
      DATA_DIR: dataDir,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('is a bare line that works as the token, with no "Authorization: Bearer" to strip', async () => {
    // The token is printed right after "listening"; give the stream a moment to deliver it.
    for (let i = 0; i < 50 && !/demo token/.test(server.output()); i++)
      await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = server.output().split('\n');
    const intro = lines.findIndex((line) => line.startsWith('demo token for business'));
    expect(intro).toBeGreaterThanOrEqual(0);
    const token = lines[intro + 1];
    expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(server.output()).not.toMatch(/Bearer eyJ/);

    const res = await request(server.url)
      .get('/customers?page_size=1')
      .set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    const created = await request(server.url)
      .post('/v3/apps/app_assignments')
      .set('Authorization', `Bearer ${token}`)
      .send({
        app_code_name: 'nosuchapp',
        assignee_uid: 'demo-business',
        assignee_type: 'business',
        settings: { assignment_mode: 'internal' },
      });
    // The token's business is the one the Swagger example assigns to: past the 403, to the 404.
    expect(created.status).toBe(404);
  });
});
