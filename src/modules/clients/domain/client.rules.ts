import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { FieldRules } from '../../../shared/rules/field-rules.js';
import type { ClientFields } from './client.js';

/**
 * A client's fields and their rules (SPEC §5), the one home of them: the REST DTOs derive their
 * checks from these, the service and the import apply `toE164` and `needsEmailOrPhone`, and
 * the import runs the field rules compiled.
 */
export const CLIENT_RULES = {
  first_name: { required: true, trim: true, maxLength: 100 },
  last_name: { trim: true, maxLength: 100 },
  email: { trim: true, maxLength: 320, format: 'email' },
  phone: { trim: true, maxLength: 32, tooLongCode: 'invalid_phone' },
  address: { maxLength: 255 },
  notes: { maxLength: 1000 },
} as const satisfies FieldRules<Exclude<keyof ClientFields, 'organization_id'>>;

/** A client's organisation: one of the business's customers, by id. */
export const ORGANIZATION_ID_RULE = { format: 'uuid' } as const;

/** A clients CSV row also names the client's organisation by its customer's name. */
export const CLIENT_IMPORT_RULES = {
  ...CLIENT_RULES,
  company_name: { maxLength: 255 },
} as const satisfies FieldRules;

/** A client needs an e-mail or a phone (the error is reported on `email`). */
export function needsEmailOrPhone(
  email: string | null | undefined,
  phone: string | null | undefined,
): boolean {
  return !email && !phone;
}

export const EMAIL_OR_PHONE_REQUIRED = 'email_or_phone_required';

/**
 * A phone number in E.164, read with `defaultRegion` when it has no country code; null when it
 * is not a valid number. (The phone worker runs this very function.)
 */
export function toE164(raw: string, defaultRegion: string): string | null {
  const parsed = parsePhoneNumberFromString(raw, defaultRegion as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}
