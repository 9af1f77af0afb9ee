/**
 * Rate limits that hold: counted in PostgreSQL, so several instances share one budget; keyed on
 * the verified caller for uploads (not on how the Authorization header is spelled) and on the
 * client address for the token endpoint (X-Forwarded-For only with TRUST_PROXY).
 */
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { type ChildServer, startChildServer } from './support/child-server.js';
import { customersCsv } from './support/csv.js';
import { expectError } from './support/envelope.js';
import { createTestApp, type TestApp, tokenFor, uniqueBusiness } from './support/test-app.js';

const TOKEN_REQUEST = { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' };

describe('rate limits of one instance', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const upload = (authorization: string) =>
    request(t.http)
      .post('/customers/import/validate')
      .set('Authorization', authorization)
      .attach('file', Buffer.from(customersCsv(1)), 'c.csv');

  test('the validate limit counts the verified caller, however the Authorization header is spelled', async () => {
    const business = uniqueBusiness();
    const token = await tokenFor({ business, sub: 'uploader' });
    const spellings = [
      `Bearer ${token}`,
      `bearer ${token}`,
      `Bearer  ${token}`,
      `Bearer\t${token}`,
      `BEARER ${token} `,
    ];
    for (let i = 0; i < 60; i++) {
      const res = await upload(spellings[i % spellings.length]);
      expect({ i, status: res.status }).toEqual({ i, status: 200 });
    }
    // The 61st upload of this minute, in a spelling not used yet: still the same caller.
    const refused = await upload(`bEaReR \t ${token}`);
    expectError(refused, 429, { type: 'rate_limited', key: 'request', message: 'rate_limited' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers['ratelimit-policy']).toBe('60;w=60');

    // Another user of the business, and the same user in another business, have their own budget.
    const colleague = await tokenFor({ business, sub: 'colleague' });
    expect((await upload(`Bearer ${colleague}`)).status).toBe(200);
    const elsewhere = await tokenFor({ business: uniqueBusiness(), sub: 'uploader' });
    expect((await upload(`Bearer ${elsewhere}`)).status).toBe(200);
  });

  test('without TRUST_PROXY a made-up X-Forwarded-For does not buy a fresh token budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      const res = await request(t.http)
        .post('/oauth/token')
        .set('X-Forwarded-For', `203.0.113.${i + 1}`)
        .send(TOKEN_REQUEST);
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});

describe('rate limits shared by two instances on one database', () => {
  let a: ChildServer;
  let b: ChildServer;
  beforeAll(async () => {
    // Behind a proxy that sets X-Forwarded-For; the address tells clients apart.
    [a, b] = await Promise.all([
      startChildServer({ TRUST_PROXY: 'true' }),
      startChildServer({ TRUST_PROXY: 'true' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a.kill(), b.kill()]);
  });

  test('64 token requests from one client over two instances: 30 pass, the rest are 429', async () => {
    const client = `198.51.100.${randomInt(1, 255)}`;
    const statuses: number[] = [];
    // Eight at a time, alternating instances: the count in PostgreSQL is atomic.
    for (let round = 0; round < 8; round++) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          request(i % 2 === 0 ? a.url : b.url)
            .post('/oauth/token')
            .set('X-Forwarded-For', client)
            .send(TOKEN_REQUEST),
        ),
      );
      for (const res of batch) {
        statuses.push(res.status);
        if (res.status === 429) {
          expectError(res, 429, { type: 'rate_limited' });
          expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        }
      }
    }
    expect(statuses).toHaveLength(64);
    expect(statuses.filter((s) => s === 401)).toHaveLength(30); // wrong credentials, but counted
    expect(statuses.filter((s) => s === 429)).toHaveLength(34);

    // Another client address still has its whole budget, on either instance.
    const other = `192.0.2.${randomInt(1, 255)}`;
    for (const server of [a, b])
      expect(
        (
          await request(server.url)
            .post('/oauth/token')
            .set('X-Forwarded-For', other)
            .send(TOKEN_REQUEST)
        ).status,
      ).toBe(401);
  });
});
