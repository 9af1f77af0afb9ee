import type { EntityManager } from 'typeorm';

/**
 * Bulk statements on a business's rows by id, one statement for a whole batch. The keys go as
 * `[{id, business_uid}]` JSON joined with `jsonb_to_recordset`: the business comes with each key
 * rather than as a constant, because compared to a constant, a business whose rows the
 * statistics do not know yet (an import just wrote them) looked like a few rows, and the planner
 * scanned all of them for every batch instead of looking each id up.
 */
function keysOf(businessUid: string, ids: readonly string[]): string {
  return JSON.stringify(ids.map((id) => ({ id, business_uid: businessUid })));
}

const KEYS = `jsonb_to_recordset($1::jsonb) AS k(id uuid, business_uid text)`;

/**
 * Locks these rows of `table` until the transaction ends (`FOR UPDATE`) and returns their `id`
 * and `columns`; an id the business has no row for is missing from the result. Rows are locked
 * in id order, so that two such batches over the same rows cannot deadlock.
 */
export async function lockByIds<T>(
  manager: EntityManager,
  table: string,
  columns: readonly string[],
  businessUid: string,
  ids: readonly string[],
): Promise<T[]> {
  if (ids.length === 0) return [];
  return manager.query(
    `SELECT t.id, ${columns.map((c) => `t.${c}`).join(', ')}
       FROM ${table} t JOIN ${KEYS} ON t.id = k.id AND t.business_uid = k.business_uid
      ORDER BY t.id
        FOR UPDATE OF t`,
    [keysOf(businessUid, ids)],
  );
}

/** Deletes these rows of `table`. */
export async function deleteByIds(
  manager: EntityManager,
  table: string,
  businessUid: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await manager.query(
    `DELETE FROM ${table} t USING ${KEYS} WHERE t.id = k.id AND t.business_uid = k.business_uid`,
    [keysOf(businessUid, ids)],
  );
}
