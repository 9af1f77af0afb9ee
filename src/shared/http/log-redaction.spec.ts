import { describe, expect, test } from '@jest/globals';
import { redactError, redactQuery, redactUrl } from './log-redaction.js';

describe('redactUrl', () => {
  test.each([
    ['/customers', '/customers'],
    ['/customers?page=2&search=acme', '/customers?page=2&search=acme'],
    ['/customers?access_token=eyJ.a.b', '/customers?access_token=[redacted]'],
    ['/x?a=1&ACCESS_TOKEN=t&b=2', '/x?a=1&ACCESS_TOKEN=[redacted]&b=2'],
    [
      '/x?client_secret=sk_1&id_token=t&refresh_token=r',
      '/x?client_secret=[redacted]&id_token=[redacted]&refresh_token=[redacted]',
    ],
    [
      '/x?password=p&api_key=k&apikey=k&signature=s',
      '/x?password=[redacted]&api_key=[redacted]&apikey=[redacted]&signature=[redacted]',
    ],
    [
      '/x?code=c&key=k&sig=s&jwt=j',
      '/x?code=[redacted]&key=[redacted]&sig=[redacted]&jwt=[redacted]',
    ],
    ['/x?access%5Ftoken=t', '/x?access%5Ftoken=[redacted]'],
    ['/x?keyword=kept&postcode=kept', '/x?keyword=kept&postcode=kept'],
    ['/x?token', '/x?token'],
    ['/x?%E0%A4%A=1', '/x?%E0%A4%A=1'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

test('redactQuery replaces the values of sensitive keys only', () => {
  expect(redactQuery({ page: '1', access_token: 't', Client_Secret: 's' })).toEqual({
    page: '1',
    access_token: '[redacted]',
    Client_Secret: '[redacted]',
  });
  expect(redactQuery(undefined)).toBeUndefined();
});

test('redactError drops the values of database errors at any depth, keeps the rest', () => {
  const serialized = {
    type: 'QueryFailedError',
    message: 'null value in column "name" violates not-null constraint',
    query: 'INSERT INTO "apps"("name", "client_secret_hash") VALUES ($1, $2)',
    parameters: [null, 'scrypt$16384$8$1$salt$hash'],
    driverError: {
      code: '23502',
      detail: 'Failing row contains (null, scrypt$16384$8$1$salt$hash).',
      parameters: ['x'],
    },
    aggregateErrors: [{ detail: 'Key (email)=(a@b.c) already exists.' }],
  };
  const redacted = redactError(serialized);
  expect(redacted).toEqual({
    type: 'QueryFailedError',
    message: serialized.message,
    query: serialized.query,
    parameters: '[redacted]',
    driverError: { code: '23502', detail: '[redacted]', parameters: '[redacted]' },
    aggregateErrors: [{ detail: '[redacted]' }],
  });
  expect(JSON.stringify(redacted)).not.toContain('scrypt$');
  expect(serialized.parameters[1]).toBe('scrypt$16384$8$1$salt$hash'); // the error itself is untouched
});
