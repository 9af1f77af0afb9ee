import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { FieldRule } from '../rules/field-rules.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/**
 * A REST DTO property that follows an entity's field rule (shared/rules): the class-validator
 * checks and the OpenAPI schema are derived from the rule, in the rule's order (class-validator
 * runs a property's checks in the order they are registered and the pipe reports the first
 * failure), so the API answers as an import does.
 */
export function FieldRuleOf(rule: FieldRule, api: ApiPropertyOptions = {}): PropertyDecorator {
  const decorators: PropertyDecorator[] = [
    ApiProperty({
      required: Boolean(rule.required),
      type: String,
      ...(rule.maxLength !== undefined ? { maxLength: rule.maxLength } : {}),
      ...(rule.format === 'email' ? { format: 'email' } : {}),
      ...(rule.format === 'uuid' ? { format: 'uuid' } : {}),
      ...(rule.pattern ? { pattern: rule.pattern.source } : {}),
      ...(rule.oneOf ? { enum: [...rule.oneOf] } : {}),
      ...api,
    } as ApiPropertyOptions),
  ];
  // Absent and null both mean "no value" for an optional field.
  if (!rule.required) decorators.push(IsOptional());
  if (rule.trim) decorators.push(Transform(trim));
  decorators.push(IsString());
  if (rule.required) decorators.push(Matches(/\S/, { message: 'required' }));
  if (rule.maxLength !== undefined)
    decorators.push(
      MaxLength(rule.maxLength, rule.tooLongCode ? { message: rule.tooLongCode } : undefined),
    );
  if (rule.format === 'email') decorators.push(IsEmail({}, { message: 'invalid_email' }));
  if (rule.format === 'uuid') decorators.push(IsUUID('all', { message: 'invalid_uuid' }));
  if (rule.pattern)
    decorators.push(
      Matches(rule.pattern, rule.patternCode ? { message: rule.patternCode } : undefined),
    );
  if (rule.oneOf) decorators.push(IsIn([...rule.oneOf]));
  return applyDecorators(...decorators);
}
