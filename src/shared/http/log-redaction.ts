/**
 * What the logs must never carry (docs/security.md): the values a SQL query was run with — a
 * refused insert of an app carried its secret's hash and its sealed secret — and secrets sent
 * in a URL's query string (`?access_token=…`).
 */

const REDACTED = '[redacted]';

/** Query-string keys whose values are secrets: tokens, secrets, passwords, keys, signatures. */
const SENSITIVE_QUERY_KEY =
  /token|secret|passw|signature|api[-_]?key|credential|authorization|^(code|key|sig|jwt|auth|session)$/i;

/** Fields of database errors that carry values: the query's parameters, and PostgreSQL's `detail` ("Failing row contains (…)", "Key (email)=(…)"). */
const VALUE_FIELDS = new Set(['parameters', 'detail']);

/** The URL with the values of sensitive query keys replaced; everything else as it was sent. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SENSITIVE_QUERY_KEY.test(decodeKey(rawKey))
        ? `${rawKey}=${REDACTED}`
        : pair;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/** A parsed query object with the values of sensitive keys replaced. */
export function redactQuery(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [
      key,
      SENSITIVE_QUERY_KEY.test(key) ? REDACTED : value,
    ]),
  );
}

/** pino's `req` serializer, on top of the standard one: url and query redacted. */
export function redactRequest<T extends { url?: unknown; query?: unknown }>(req: T): T {
  return {
    ...req,
    ...(typeof req.url === 'string' ? { url: redactUrl(req.url) } : {}),
    ...('query' in req ? { query: redactQuery(req.query) } : {}),
  };
}

/**
 * pino's `err` serializer, on top of the standard one (which has already turned nested errors,
 * such as TypeORM's `driverError`, into plain objects): the value-carrying fields of database
 * errors replaced, at any depth. The SQL text itself stays — it holds placeholders only.
 */
export function redactError(err: unknown, depth = 0): unknown {
  if (typeof err !== 'object' || err === null || depth > 5) return err;
  if (Array.isArray(err)) return err.map((item) => redactError(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    out[key] = VALUE_FIELDS.has(key) ? REDACTED : redactError(value, depth + 1);
  }
  return out;
}
