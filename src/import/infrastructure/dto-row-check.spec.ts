import { describe, expect, test } from '@jest/globals';
import { CLIENT_IMPORT_COLUMNS } from '../../modules/clients/domain/client.js';
import { ClientImportRowDto } from '../../modules/clients/http/client.dto.js';
import { CUSTOMER_IMPORT_COLUMNS } from '../../modules/customers/domain/customer.js';
import { CustomerFieldsDto } from '../../modules/customers/http/customer.dto.js';
import { checkCells, compileRowCheck } from './dto-row-check.js';

/** Cells that exercise every rule: empty, blank, padded, too long, malformed, odd characters. */
const POOL = [
  '',
  ' ',
  '   \t ',
  'Giulia',
  '  Giulia  ',
  'Zoë Ñúñez-Łukasz',
  'x'.repeat(32),
  'x'.repeat(33),
  'y'.repeat(100),
  'y'.repeat(101),
  ' ' + 'y'.repeat(100) + ' ',
  'z'.repeat(255),
  'z'.repeat(256),
  'w'.repeat(320),
  'w'.repeat(1000),
  'w'.repeat(1001),
  'giulia.rossi@example.com',
  '  GIULIA.Rossi@Example.COM ',
  'not-an-email',
  'a@b',
  'a@b.c',
  '"quoted"@example.com',
  'giulia@exa mple.com',
  '+39 347 123 4567',
  '+39 02 1234 5678',
  '+390212345678',
  '3471234567',
  '(02) 1234-5678',
  '+1-202-555-0143',
  '++39 02',
  'abc',
  'it',
  'en',
  'IT',
  'fr',
  '00000000000',
  'IT01234567890',
  '2b3e6b0e-1c8f-4a8e-9f3e-2f1d8e1c5b7a',
  '=cmd|x',
  'line\nbreak',
  '😀 emoji',
];

function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
}

const CASES: Array<[string, new () => object, readonly string[]]> = [
  ['ClientImportRowDto', ClientImportRowDto, CLIENT_IMPORT_COLUMNS],
  ['CustomerFieldsDto', CustomerFieldsDto, CUSTOMER_IMPORT_COLUMNS],
];

describe.each(CASES)('compileRowCheck(%s)', (_name, dtoClass, columns) => {
  const compiled = compileRowCheck(dtoClass);
  const same = (cells: Record<string, string>) => {
    const expected = checkCells(dtoClass, cells);
    const actual = compiled(cells);
    expect(actual.errors).toEqual(expected.errors);
    expect({ ...actual.dto }).toEqual({ ...expected.dto });
    expect(actual.dto).toBeInstanceOf(dtoClass);
    return actual;
  };

  test('agrees with the class-validator reference on every value of every column', () => {
    for (const column of columns) {
      for (const value of POOL)
        same({ ...Object.fromEntries(columns.map((c) => [c, ''])), [column]: value });
    }
  });

  test('agrees on 3,000 random rows (several failures in one row included)', () => {
    const random = prng(42);
    let failing = 0;
    for (let i = 0; i < 3000; i++) {
      const cells = Object.fromEntries(
        columns.map((c) => [c, POOL[Math.floor(random() * POOL.length)]]),
      );
      if (same(cells).errors.length > 1) failing++;
    }
    expect(failing).toBeGreaterThan(100); // the sample does exercise several errors per row
  });

  test('an empty row and a row of absent columns', () => {
    expect(same({}).errors.length).toBeGreaterThan(0);
    expect(same(Object.fromEntries(columns.map((c) => [c, '']))).errors.length).toBeGreaterThan(0);
  });
});
