import { describe, expect, test } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CLIENT_RULES } from '../../modules/clients/domain/client.rules.js';
import { ClientFieldsDto } from '../../modules/clients/http/client.dto.js';
import { CUSTOMER_RULES } from '../../modules/customers/domain/customer.rules.js';
import { CustomerFieldsDto } from '../../modules/customers/http/customer.dto.js';
import { flattenValidationErrors } from '../http/validation.js';
import { compileFieldRules, type FieldRules } from './field-rules.js';

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

const CASES: Array<[string, FieldRules, new () => object]> = [
  ['clients', CLIENT_RULES, ClientFieldsDto],
  ['customers', CUSTOMER_RULES, CustomerFieldsDto],
];

/**
 * What the REST API answers for these cells (with the validation pipe's settings), as row
 * issues. Cells reach the rules trimmed, as every source delivers them (CSV reader, app pull).
 */
function restAnswer(dtoClass: new () => object, cells: Record<string, string>) {
  const present = Object.fromEntries(
    Object.entries(cells).flatMap(([k, v]) => (v.trim() !== '' ? [[k, v.trim()]] : [])),
  );
  const dto = plainToInstance(dtoClass, present);
  const errors = flattenValidationErrors(validateSync(dto, { stopAtFirstError: true }));
  return {
    values: Object.fromEntries(
      Object.entries(dto).filter(
        ([k, v]) => v !== undefined && v !== '' && !errors.some((e) => e.key === k),
      ),
    ),
    errors: errors.map((e) => ({
      field: e.key,
      message: e.message,
      ...(e.value !== '' ? { values: [e.value] } : {}),
    })),
  };
}

describe.each(CASES)('the %s field rules', (_name, rules, dtoClass) => {
  const columns = Object.keys(rules);
  const compiled = compileFieldRules(rules);
  const same = (raw: Record<string, string>) => {
    const cells = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.trim()]));
    const actual = compiled(cells);
    expect(actual).toEqual(restAnswer(dtoClass, cells));
    return actual;
  };

  test('the import answers as the REST API on every value of every field', () => {
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

  test('an empty row and a row of absent columns: the required fields are reported', () => {
    const required = columns.filter((c) => rules[c].required);
    expect(same({}).errors.map((e) => e.field)).toEqual(required);
    expect(
      same(Object.fromEntries(columns.map((c) => [c, '']))).errors.map((e) => e.field),
    ).toEqual(required);
  });
});
