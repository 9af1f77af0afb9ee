/**
 * Turns a stored cell value into the text a person sees in the cell, for the formats an import
 * meets: numbers without exponent or float noise, dates and times as ISO 8601, and the
 * zero-padded number formats (`00000`) people use to show postcodes and VAT numbers. Any other
 * display format (thousands separators, currency, percent) is not applied: the number itself is
 * what an import needs (25% reads as 0.25).
 */

/** How a cell's number format makes a number look. */
export type NumberFormat =
  | { kind: 'general' }
  | { kind: 'date' }
  /** A format made only of zeros (`00000`): integers padded with leading zeros to `width`. */
  | { kind: 'zeros'; width: number };

export const GENERAL: NumberFormat = { kind: 'general' };

/**
 * Built-in number formats that show a date or a time (ECMA-376 §18.8.30, with the East Asian
 * ids 27–36 and 50–58). 46 (`[h]:mm:ss`) is a duration, not a moment, so it stays a number.
 */
const BUILT_IN_DATE_IDS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 47, 50, 51, 52,
  53, 54, 55, 56, 57, 58,
]);

/** Classifies a cell's number format from its id and, for custom ones, its format code. */
export function classifyFormat(id: number, code: string | undefined): NumberFormat {
  if (code === undefined) return BUILT_IN_DATE_IDS.has(id) ? { kind: 'date' } : GENERAL;
  const firstSection = code.split(';')[0];
  // Elapsed time ([h]:mm) is a duration: keep the number.
  if (/\[(h+|m+|s+)\]/i.test(firstSection)) return GENERAL;
  const bare = firstSection
    .replace(/"[^"]*"/g, '') // literal text
    .replace(/\\./g, '') // escaped characters
    .replace(/[_*]./g, '') // spacing and fill characters
    .replace(/\[[^\]]*\]/g, ''); // colours, conditions, locales ([Red], [$-409])
  // Only zeros, no literal text around them (a colour or condition in brackets is fine).
  const zeros = firstSection.replace(/\[[^\]]*\]/g, '');
  if (/^0+$/.test(zeros)) return { kind: 'zeros', width: zeros.length };
  if (/[ymdhs]/i.test(bare)) return { kind: 'date' };
  return GENERAL;
}

/** Largest serial Excel shows as a date: 9999-12-31. */
const MAX_DATE_SERIAL = 2958466;
const MS_PER_DAY = 86_400_000;

/** The text of a number cell (`raw` is the `<v>` text) in the given format. */
export function formatNumber(raw: string, format: NumberFormat, date1904: boolean): string {
  if (format.kind === 'date') {
    const serial = Number(raw);
    if (Number.isFinite(serial) && serial >= 0 && serial < MAX_DATE_SERIAL) {
      return serialToIso(serial, date1904);
    }
  }
  const text = plainNumber(raw);
  if (format.kind === 'zeros' && /^\d+$/.test(text)) return text.padStart(format.width, '0');
  return text;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A number in plain decimal notation, never with an exponent. Integers keep every digit the
 * file stores (`1.23456789012346E+017` → `123456789012346000`, `42.0` → `42`), so they do not
 * pass through a double; other numbers become the shortest decimal that reads back as the same
 * double (`0.10000000000000001` → `0.1`). Text that is not a number is returned as is.
 */
export function plainNumber(raw: string): string {
  const match = DECIMAL.exec(raw.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return raw.trim();
  const [, sign, whole, fraction = '', exponent = '0'] = match;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  const scale = Number(exponent) - fraction.length; // value = digits × 10^scale
  const trailingZeros = digits.length - digits.replace(/0+$/, '').length;
  if (scale >= 0 && scale <= 400) return `${sign === '-' ? '-' : ''}${digits}${'0'.repeat(scale)}`;
  if (scale < 0 && trailingZeros >= -scale) {
    return `${sign === '-' ? '-' : ''}${digits.slice(0, digits.length + scale)}`;
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) return raw.trim();
  return expandExponent(String(value));
}

/** `1.5e-7` → `0.00000015`, `1e+21` → `1000000000000000000000`; plain input unchanged. */
function expandExponent(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, whole, fraction = '', exponent] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent); // position of the decimal point in `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * An Excel date serial as ISO 8601: `2024-03-05`, `2024-03-05T14:30:00` when it has a time of
 * day, `14:30:00` for a time alone (serial below 1). Rounded to the millisecond, which absorbs
 * the binary noise of the stored fraction. In the 1900 system Excel counts a 29 February 1900
 * that never was, so serials before 60 are one day off the usual epoch.
 */
export function serialToIso(serial: number, date1904: boolean): string {
  const ms = Math.round(serial * MS_PER_DAY);
  const days = Math.floor(ms / MS_PER_DAY);
  const time = isoTime(ms - days * MS_PER_DAY);
  if (days === 0 && serial < 1) return time ?? '00:00:00';
  const epoch = date1904
    ? Date.UTC(1904, 0, 1)
    : serial < 60
      ? Date.UTC(1899, 11, 31)
      : Date.UTC(1899, 11, 30);
  const date = new Date(epoch + days * MS_PER_DAY).toISOString().slice(0, 10);
  return time ? `${date}T${time}` : date;
}

function isoTime(ms: number): string | undefined {
  if (ms === 0) return undefined;
  const text = new Date(ms).toISOString().slice(11, 23); // HH:MM:SS.mmm
  return text.endsWith('.000') ? text.slice(0, 8) : text;
}

/**
 * A `t="d"` cell (ISO 8601 text, written by some programs instead of a serial): the date alone
 * when the time is midnight, the time to the second otherwise; anything else as written.
 */
export function isoDateText(raw: string): string {
  const match =
    /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(?:Z|[+-]00:?00)?$/.exec(
      raw.trim(),
    );
  if (!match) return raw.trim();
  const [, date, hours, minutes, seconds = '00', fraction = ''] = match;
  if (hours === undefined) return date;
  const ms = fraction.replace(/0+$/, '');
  const time = `${hours}:${minutes}:${seconds}${ms === '.' ? '' : ms}`;
  return time === '00:00:00' ? date : `${date}T${time}`;
}
