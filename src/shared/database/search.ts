import { Brackets, type ObjectLiteral, type Repository } from 'typeorm';
import { offsetOf, type Page, type PageRequest, pageOf } from '../pagination.js';

/** `%term%` for ILIKE, with the pattern characters of the term escaped. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A page of a business's records (alias `c`), oldest first, optionally filtered by `search`
 * matched case-insensitively against any of the `searchIn` SQL expressions; each entity found
 * leaves as `toRecord` maps it (a plain domain record).
 */
export async function businessPage<E extends ObjectLiteral, R>(
  repo: Repository<E>,
  input: { businessUid: string; search?: string; searchIn: string[]; request: PageRequest },
  toRecord: (entity: E) => R,
): Promise<Page<R>> {
  const q = repo
    .createQueryBuilder('c')
    .where('c.business_uid = :businessUid', { businessUid: input.businessUid });
  if (input.search) {
    const pattern = containsPattern(input.search);
    q.andWhere(
      new Brackets((w) => {
        for (const expression of input.searchIn)
          w.orWhere(`${expression} ILIKE :pattern`, { pattern });
      }),
    );
  }
  const [items, total] = await q
    .orderBy('c.created_at', 'ASC')
    .addOrderBy('c.id', 'ASC')
    .skip(offsetOf(input.request))
    .take(input.request.pageSize)
    .getManyAndCount();
  return pageOf(items.map(toRecord), total, input.request);
}
