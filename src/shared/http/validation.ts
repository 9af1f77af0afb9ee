import { type ValidationError, ValidationPipe } from '@nestjs/common';
import { detail, type ErrorDetail, InvalidError } from '../domain-error.js';

/** class-validator constraint → the stable snake_case code users see (SPEC §1.1). */
const CODES: Record<string, string> = {
  whitelistValidation: 'unknown_property',
  isDefined: 'required',
  isNotEmpty: 'required',
  maxLength: 'too_long',
  minLength: 'too_short',
  isLength: 'invalid_length',
  isEmail: 'invalid_email',
  isUrl: 'invalid_url',
  isUuid: 'invalid_uuid',
  isIn: 'invalid_value',
  isEnum: 'invalid_value',
  isBoolean: 'must_be_boolean',
  isInt: 'must_be_integer',
  isString: 'must_be_string',
  isObject: 'must_be_object',
  isArray: 'must_be_array',
  arrayNotEmpty: 'required',
  arrayMinSize: 'required',
  arrayMaxSize: 'too_many',
  min: 'too_small',
  max: 'too_large',
  matches: 'invalid_format',
  nestedValidation: 'invalid_value',
  unknownValue: 'invalid_value',
};

export function codeOf(constraint: string, message: string, value: unknown): string {
  if (value === undefined || value === null || value === '') {
    if (constraint !== 'whitelistValidation') return 'required';
  }
  // A custom decorator may carry its own code as its message.
  if (/^[a-z][a-z0-9_]*$/.test(message)) return message;
  return CODES[constraint] ?? 'invalid_value';
}

/** Flattens class-validator's tree into `{key, message, value}` with dotted keys. */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const error of errors) {
    const key = prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    if (constraints.length > 0) {
      // One error per input: the first constraint that failed is the most specific one.
      const [constraint, message] = constraints[0];
      out.push(detail(key, codeOf(constraint, message, error.value), error.value));
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, key));
  }
  return out;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: true },
    exceptionFactory: (errors) => new InvalidError(flattenValidationErrors(errors)),
  });
}
