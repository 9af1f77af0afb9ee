/**
 * `[{id, business_uid}]` as JSON, for bulk statements that join on it
 * (`jsonb_to_recordset($n::jsonb) AS k(id uuid, business_uid text)`). The business comes with
 * each key rather than as a constant: compared to a constant, a business whose rows the
 * statistics do not know yet (an import just wrote them) looked like a few rows, and the planner
 * scanned all of them for every batch instead of looking each id up.
 */
export function businessKeys(businessUid: string, ids: readonly string[]): string {
  return JSON.stringify(ids.map((id) => ({ id, business_uid: businessUid })));
}
