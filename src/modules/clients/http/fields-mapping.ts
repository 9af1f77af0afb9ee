import { detail, type ErrorDetail, InvalidError } from '../../../shared/domain-error.js';
import { CLIENT_IMPORT_COLUMNS } from '../domain/client.js';
import { EMAIL_OR_PHONE_REQUIRED, needsEmailOrPhone } from '../domain/client.rules.js';

/**
 * `fields_mapping`: client field → the label (CSV header, or an app record's key) carrying it.
 * Keys are client fields, values non-empty distinct strings, and `email` or `phone` is mapped.
 * Every problem is listed (400), under `<key>.<field>`.
 */
export function checkFieldsMapping(raw: unknown, key = 'fields_mapping'): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidError([detail(key, 'must_be_object', raw)]);
  }
  const errors: ErrorDetail[] = [];
  const mapping: Record<string, string> = {};
  const labels = new Map<string, string>();
  for (const [field, label] of Object.entries(raw)) {
    if (!(CLIENT_IMPORT_COLUMNS as readonly string[]).includes(field)) {
      errors.push(detail(`${key}.${field}`, 'unknown_field', label));
    } else if (typeof label !== 'string' || label.trim() === '') {
      errors.push(detail(`${key}.${field}`, 'required', label));
    } else if (label.length > 255) {
      errors.push(detail(`${key}.${field}`, 'too_long', label));
    } else if (labels.has(label.trim().toLowerCase())) {
      errors.push(detail(`${key}.${field}`, 'duplicate_label', label));
    } else {
      labels.set(label.trim().toLowerCase(), field);
      mapping[field] = label.trim();
    }
  }
  // The entity's own rule, on what the mapping can fill: a client needs an e-mail or a phone.
  if (errors.length === 0 && needsEmailOrPhone(mapping.email, mapping.phone)) {
    errors.push(detail(key, EMAIL_OR_PHONE_REQUIRED, raw));
  }
  if (errors.length > 0) throw new InvalidError(errors, 'invalid fields_mapping');
  return mapping;
}

/** The validate form's text fields: `fields_mapping` (JSON) and `upload_type` (a setting). */
export function clientImportOptions(fields: Record<string, string>): {
  settings: { upload_type: 'single' | 'multi' };
  fieldsMapping?: Record<string, string>;
} {
  const unknown = Object.keys(fields).filter((f) => f !== 'fields_mapping' && f !== 'upload_type');
  if (unknown.length > 0)
    throw new InvalidError(unknown.map((f) => detail(f, 'unknown_property', fields[f])));
  const uploadType = fields.upload_type?.trim() || 'single';
  if (uploadType !== 'single' && uploadType !== 'multi') {
    throw new InvalidError([detail('upload_type', 'invalid_value', fields.upload_type)]);
  }
  const settings = { upload_type: uploadType } as const;
  if (fields.fields_mapping === undefined || fields.fields_mapping.trim() === '')
    return { settings };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fields.fields_mapping);
  } catch {
    throw new InvalidError([detail('fields_mapping', 'malformed_json', fields.fields_mapping)]);
  }
  return { settings, fieldsMapping: checkFieldsMapping(parsed) };
}
