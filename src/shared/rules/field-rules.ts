import validator from 'validator';
import { stringifyValue } from '../domain-error.js';

// The same functions class-validator calls, so both paths answer alike.
const { isEmail, isLength, isUUID } = validator;

/**
 * The rules one text field of an entity follows. Each entity declares its fields' rules once
 * (`<entity>.rules.ts` in its domain); the REST DTOs derive their class-validator decorators from
 * them (`FieldRuleOf`, in shared/http) and the import engine runs them compiled
 * (`compileFieldRules`), so the API and every import apply exactly the same rules, and an import
 * pays no validation framework per cell.
 *
 * Checks run in this order and the first that fails is reported: required, maximum length,
 * then the format (e-mail, UUID, pattern or one of a set).
 */
export interface FieldRule {
  /** Must be present and not blank (`required`). */
  readonly required?: boolean;
  /** Surrounding white space is dropped before checking and storing. */
  readonly trim?: boolean;
  readonly maxLength?: number;
  /** The code when the value is too long (default `too_long`). */
  readonly tooLongCode?: string;
  readonly format?: 'email' | 'uuid';
  readonly pattern?: RegExp;
  /** The code when the pattern does not match (default `invalid_format`). */
  readonly patternCode?: string;
  /** The value must be one of these (`invalid_value`). */
  readonly oneOf?: readonly string[];
}

export type FieldRules<F extends string = string> = { readonly [K in F]: FieldRule };

/** A rule that failed: the field, its stable code, and the value as it was checked. */
export interface FieldError {
  field: string;
  message: string;
  values?: string[];
}

export interface CheckedFields<F extends string> {
  /** The present values, trimmed where the rule says so; absent or blank cells are left out. */
  values: Partial<Record<F, string>>;
  errors: FieldError[];
}

/** The code of the first check `value` fails, or undefined when it passes. */
export function failedCheck(rule: FieldRule, value: string): string | undefined {
  if (rule.required && !/\S/.test(value)) return 'required';
  if (rule.maxLength !== undefined && !isLength(value, { min: 0, max: rule.maxLength }))
    return rule.tooLongCode ?? 'too_long';
  if (rule.format === 'email' && !isEmail(value)) return 'invalid_email';
  if (rule.format === 'uuid' && !isUUID(value, 'all')) return 'invalid_uuid';
  if (rule.pattern && !rule.pattern.test(value)) return rule.patternCode ?? 'invalid_format';
  if (rule.oneOf && !rule.oneOf.includes(value)) return 'invalid_value';
  return undefined;
}

/**
 * The checks of a set of fields over cells of text (a CSV row, an app record), planned once:
 * per row it is a loop over the fields, with no per-row closures or metadata lookups. Fields
 * are checked in declaration order; each reports its first failing check.
 */
export function compileFieldRules<F extends string>(
  rules: FieldRules<F>,
): (cells: Readonly<Record<string, string>>) => CheckedFields<F> {
  const fields = Object.keys(rules) as F[];
  const plan = fields.map((field) => [field, rules[field]] as const);
  return (cells) => {
    const values: Partial<Record<F, string>> = {};
    const errors: FieldError[] = [];
    for (const [field, rule] of plan) {
      const raw = cells[field];
      const value = raw === undefined ? '' : rule.trim ? raw.trim() : raw;
      if (value === '') {
        if (rule.required) errors.push({ field, message: 'required' });
        continue;
      }
      const failed = failedCheck(rule, value);
      // The value as shown in errors: cut at 200 characters, as every error detail is.
      if (failed) errors.push({ field, message: failed, values: [stringifyValue(value)] });
      else values[field] = value;
    }
    return { values, errors };
  };
}
