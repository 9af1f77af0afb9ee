/**
 * A plain object with exactly the named properties of `source` (an entity's columns into a
 * domain record, or a record's fields into columns). The result's type is the `Pick`, so a
 * mapper that declares a domain type fails to compile when a key list misses one of its fields.
 */
export function pickColumns<T extends object, K extends keyof T>(
  source: T,
  keys: readonly K[],
): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const key of keys) picked[key] = source[key];
  return picked;
}
