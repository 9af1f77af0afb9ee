/**
 * Just enough of JSON Schema to check the OpenAPI document's examples against its own schemas:
 * $ref, allOf, oneOf, type (integer apart from number), nullable, required, properties,
 * additionalProperties, enum, items. Returns the problems found, with their JSON paths.
 */
export type Schema = Record<string, unknown>;
export type OpenApiDocument = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Schema> };
  servers?: Array<{ url: string }>;
  tags?: Array<{ name: string; description?: string }>;
};
export type MediaType = {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
};
export type Operation = {
  operationId?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema?: Schema; example?: unknown }>;
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
};

export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema;
  while (typeof s.$ref === 'string') {
    s = doc.components.schemas[s.$ref.replace('#/components/schemas/', '')];
    if (!s) throw new Error(`dangling $ref ${String(schema.$ref)}`);
  }
  return s;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** @param strict unknown properties are problems even where the schema does not say so (bodies) */
export function validate(
  doc: OpenApiDocument,
  given: Schema,
  value: unknown,
  path = '$',
  strict = false,
): string[] {
  const schema = resolve(doc, given);
  const problems: string[] = [];
  // `nullable` beside an `allOf` of a reference (OpenAPI 3.0's nullable object): null fits.
  if (value === null && schema.nullable) return problems;
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf as Schema[])
      problems.push(...validate(doc, part, value, path, strict));
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter(
      (part) => validate(doc, part, value, path, strict).length === 0,
    );
    if (matching.length !== 1) problems.push(`${path}: matches ${matching.length} of oneOf`);
  }
  if (value === null) {
    if (!schema.nullable && schema.type !== undefined) problems.push(`${path}: null`);
    return problems;
  }
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const fits =
      schema.type === actual ||
      (schema.type === 'number' && actual === 'integer') ||
      (schema.type === 'object' && actual === 'object');
    if (!fits) problems.push(`${path}: ${actual}, expected ${String(schema.type)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    problems.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (actual === 'array' && schema.items) {
    (value as unknown[]).forEach((item, i) =>
      problems.push(...validate(doc, schema.items as Schema, item, `${path}[${i}]`, strict)),
    );
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[])
      if (!(key in object)) problems.push(`${path}: lacks required ${key}`);
    for (const [key, item] of Object.entries(object)) {
      if (properties[key])
        problems.push(...validate(doc, properties[key], item, `${path}.${key}`, strict));
      else if (typeof schema.additionalProperties === 'object')
        problems.push(
          ...validate(doc, schema.additionalProperties as Schema, item, `${path}.${key}`, strict),
        );
      else if (
        !schema.allOf &&
        (schema.additionalProperties === false ||
          (strict && schema.properties && schema.additionalProperties === undefined))
      )
        problems.push(`${path}: unexpected ${key}`);
    }
  }
  return problems;
}

/** Every example of a media type (`example`, or each of `examples`). */
export function examplesOf(media: MediaType | undefined): unknown[] {
  if (!media) return [];
  if (media.example !== undefined) return [media.example];
  return Object.values(media.examples ?? {}).map((e) => e.value);
}

export function operations(doc: OpenApiDocument): Array<[string, string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]): [string, string, Operation] => [path, method, op]),
  );
}
