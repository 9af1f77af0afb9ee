import { describe, expect, test } from '@jest/globals';
import {
  classifyFormat,
  formatNumber,
  GENERAL,
  isoDateText,
  plainNumber,
  serialToIso,
} from './cell-text.js';

describe('plainNumber', () => {
  test.each([
    ['42', '42'],
    ['42.0', '42'],
    ['-7', '-7'],
    ['-0', '0'],
    ['0', '0'],
    ['007', '7'],
    ['1234.5', '1234.5'],
    ['.5', '0.5'],
    ['5.', '5'],
    // Integers keep every stored digit, with no exponent and no trip through a double.
    ['12345678901234567890', '12345678901234567890'],
    ['1.23456789012346E+017', '123456789012346000'],
    ['1.2345678901234568E+19', '12345678901234568000'],
    ['1E+21', '1000000000000000000000'],
    ['2.5E+2', '250'],
    ['2.50E+1', '25'],
    // Other numbers: the shortest decimal that reads back as the same double, never an exponent.
    ['0.10000000000000001', '0.1'],
    ['0.30000000000000004', '0.30000000000000004'],
    ['1.23E-4', '0.000123'],
    ['1E-7', '0.0000001'],
    ['-2.5E-8', '-0.000000025'],
    ['123.456E-1', '12.3456'],
    // Not a number: kept as written.
    ['abc', 'abc'],
    ['', ''],
  ])('%j → %j', (raw, expected) => {
    expect(plainNumber(raw)).toBe(expected);
  });
});

describe('serialToIso', () => {
  test.each([
    [45356, false, '2024-03-05'],
    [45356.604166666664, false, '2024-03-05T14:30:00'],
    [45356.6041666667, false, '2024-03-05T14:30:00'], // 15 significant digits, as LibreOffice stores it
    [45356.500005787, false, '2024-03-05T12:00:00.500'],
    [0.75, false, '18:00:00'],
    [0, false, '00:00:00'],
    [1, false, '1900-01-01'],
    [59, false, '1900-02-28'], // before Excel's phantom 29 February 1900
    [61, false, '1900-03-01'],
    [2958465, false, '9999-12-31'],
    [43894, true, '2024-03-05'],
    [1, true, '1904-01-02'],
  ])('%d (1904: %s) → %s', (serial, date1904, expected) => {
    expect(serialToIso(serial, date1904)).toBe(expected);
  });
});

describe('classifyFormat', () => {
  test.each([
    [0, undefined, 'general'],
    [14, undefined, 'date'],
    [22, undefined, 'date'],
    [46, undefined, 'general'], // [h]:mm:ss, a duration
    [49, undefined, 'general'], // @
    [10, undefined, 'general'], // 0.00%
    [164, 'yyyy\\-mm\\-dd', 'date'],
    [164, 'dd/mm/yyyy\\ hh:mm', 'date'],
    [164, '[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy', 'date'],
    [164, 'h:mm AM/PM', 'date'],
    [164, '[h]:mm', 'general'],
    [164, '#,##0.00\\ "€"', 'general'],
    [164, '"Day "0', 'general'], // a d inside quotes is literal text
    [164, '[Red]0.00', 'general'],
    [164, 'General', 'general'],
    [164, '0.00E+00', 'general'],
    [164, '00000', 'zeros'],
    [164, '00000;[Red]-00000', 'zeros'],
  ])('id %d, %j → %s', (id, code, kind) => {
    expect(classifyFormat(id, code).kind).toBe(kind);
  });

  test('the width of a zero-padded format', () => {
    expect(classifyFormat(164, '00000000000')).toEqual({ kind: 'zeros', width: 11 });
  });
});

describe('formatNumber', () => {
  test.each([
    ['45356', { kind: 'date' } as const, '2024-03-05'],
    ['-1', { kind: 'date' } as const, '-1'], // not a date Excel can show
    ['3000000', { kind: 'date' } as const, '3000000'],
    ['123', { kind: 'zeros', width: 5 } as const, '00123'],
    ['123456', { kind: 'zeros', width: 5 } as const, '123456'],
    ['-12', { kind: 'zeros', width: 5 } as const, '-12'],
    ['1.5E+3', GENERAL, '1500'],
  ])('%j as %j → %j', (raw, format, expected) => {
    expect(formatNumber(raw, format, false)).toBe(expected);
  });
});

describe('isoDateText (t="d" cells)', () => {
  test.each([
    ['2024-03-05', '2024-03-05'],
    ['2024-03-05T00:00:00Z', '2024-03-05'],
    ['2024-03-05T00:00:00.000', '2024-03-05'],
    ['2024-03-05T14:30', '2024-03-05T14:30:00'],
    ['2024-03-05T14:30:15.250Z', '2024-03-05T14:30:15.25'],
    ['not a date', 'not a date'],
  ])('%j → %j', (raw, expected) => {
    expect(isoDateText(raw)).toBe(expected);
  });
});
