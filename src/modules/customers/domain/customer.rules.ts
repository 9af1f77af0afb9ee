import type { FieldRules } from '../../../shared/rules/field-rules.js';
import { type CustomerFields, LANGUAGES } from './customer.js';

/** International form: `+` then 7–20 of digits, spaces, `-`, `(`, `)` (SPEC §4). */
export const CUSTOMER_PHONE = /^\+[0-9 ()-]{7,20}$/;

/**
 * A customer's fields and their rules (SPEC §4), the one home of them: the REST DTOs derive
 * their checks from these, and the CSV import runs them compiled. In column order.
 */
export const CUSTOMER_RULES = {
  company_name: { required: true, trim: true, maxLength: 255 },
  vat_number: { required: true, trim: true, maxLength: 64 },
  description: { maxLength: 500 },
  address: { maxLength: 255 },
  city: { maxLength: 255 },
  main_contact: { maxLength: 255 },
  email: { trim: true, maxLength: 320, format: 'email' },
  phone: { trim: true, pattern: CUSTOMER_PHONE, patternCode: 'invalid_phone' },
  language: { oneOf: LANGUAGES },
  notes: { maxLength: 1000 },
} as const satisfies FieldRules<keyof CustomerFields>;

/** Checked values → the fields a customer is written with (absent = null; language `en`). */
export function customerFieldsOf(
  values: Partial<Record<keyof CustomerFields, string>>,
): CustomerFields {
  return {
    company_name: values.company_name ?? '',
    vat_number: values.vat_number ?? '',
    description: values.description ?? null,
    address: values.address ?? null,
    city: values.city ?? null,
    main_contact: values.main_contact ?? null,
    email: values.email ?? null,
    phone: values.phone ?? null,
    language: (values.language as CustomerFields['language'] | undefined) ?? 'en',
    notes: values.notes ?? null,
  };
}
