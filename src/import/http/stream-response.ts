import type { Response } from 'express';

/**
 * Writes `{code, message, data: {...head, [listKey]: [...items]}}` while reading the items
 * page by page, so that a response of 100,000 rows never sits in memory. Backpressure is
 * honoured. The status must be final before the first byte: callers finish all checks first.
 */
export async function streamEnvelope<T>(
  res: Response,
  input: {
    status: number;
    message: string;
    head: Record<string, unknown>;
    listKey: string;
    headers?: Record<string, string>;
  } & (
    | { pages: AsyncIterable<T[]>; toJson: (item: T) => unknown }
    /** The list's items already as JSON (`a,b,c`). */
    | { body: AsyncIterable<string | Buffer> }
  ),
): Promise<void> {
  res.status(input.status);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  for (const [name, value] of Object.entries(input.headers ?? {})) res.setHeader(name, value);
  const head = JSON.stringify(input.head);
  const opening = `{"code":${input.status},"message":${JSON.stringify(input.message)},"data":${head.slice(0, -1)}${head.length > 2 ? ',' : ''}${JSON.stringify(input.listKey)}:[`;
  await write(res, opening);
  if ('body' in input) {
    for await (const chunk of input.body) await write(res, chunk);
    res.end(']}}');
    return;
  }
  let first = true;
  for await (const page of input.pages) {
    if (page.length === 0) continue;
    const chunk = page.map((item) => JSON.stringify(input.toJson(item))).join(',');
    await write(res, first ? chunk : `,${chunk}`);
    first = false;
  }
  res.end(']}}');
}

async function write(res: Response, chunk: string | Buffer): Promise<void> {
  if (res.destroyed) throw new Error('the client closed the connection');
  if (res.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const drained = () => {
      res.off('close', closed);
      resolve();
    };
    const closed = () => {
      res.off('drain', drained);
      reject(new Error('the client closed the connection'));
    };
    res.once('drain', drained);
    res.once('close', closed);
  });
}
