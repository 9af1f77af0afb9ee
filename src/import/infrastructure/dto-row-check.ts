import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { flattenValidationErrors } from '../../shared/http/validation.js';
import type { RowIssue } from '../domain/import-row.js';

/**
 * Checks one row's cells with the same class-validator rules as the entity's REST DTO, so that
 * an import and the API never disagree on what a valid field is. Empty cells are absent.
 */
export function checkCells<T extends object>(
  dtoClass: new () => T,
  cells: Record<string, string>,
): { dto: T; errors: RowIssue[] } {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(cells)) if (value !== '') present[key] = value;
  const dto = plainToInstance(dtoClass, present);
  const errors = flattenValidationErrors(validateSync(dto, { forbidUnknownValues: false })).map(
    (e): RowIssue => ({
      field: e.key,
      message: e.message,
      ...(e.value !== '' ? { values: [e.value] } : {}),
    }),
  );
  return { dto, errors };
}
