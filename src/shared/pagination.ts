export interface PageRequest {
  page: number;
  pageSize: number;
}

/** The `data` of every list (SPEC §1.1). */
export interface Page<T> {
  items: T[];
  page: number;
  page_size: number;
  total: number;
}

export function pageOf<T>(items: T[], total: number, request: PageRequest): Page<T> {
  return { items, page: request.page, page_size: request.pageSize, total };
}

export function offsetOf(request: PageRequest): number {
  return (request.page - 1) * request.pageSize;
}
