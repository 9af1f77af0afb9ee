/**
 * HTTP helpers that never hold a whole upload or a whole answer in memory: a multipart body
 * written by hand around a piped file, and a reader that keeps only the head of the answer
 * (its counters) and counts the rows that follow.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';

export interface StreamedAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** `data` without its list, parsed from the first bytes (null when not found). */
  head: Record<string, unknown> | null;
  /** The first 500 bytes, for error messages. */
  start: string;
  /** Items of the list (occurrences of `{"row_number":`). */
  items: number;
  bytes: number;
  /** The answer ended with `]}}`: the server streamed it to the end. */
  complete: boolean;
  /** Seconds from the request to the answer's status line, and to its last byte. */
  ttfbS: number;
  totalS: number;
}

const ITEM = Buffer.from('{"row_number":');
const HEAD = /^\{"code":\d+,"message":(?:"(?:[^"\\]|\\.)*"),"data":\{(.*?),"(?:rows|results)":\[/s;

function readAnswer(res: http.IncomingMessage, t0: number): Promise<StreamedAnswer> {
  const ttfbS = (performance.now() - t0) / 1000;
  return new Promise((resolve, reject) => {
    let start = '';
    let headText = '';
    let head: Record<string, unknown> | null = null;
    let headDone = false;
    let items = 0;
    let bytes = 0;
    let carry = Buffer.alloc(0);
    let last = '';
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (start.length < 500) start += chunk.subarray(0, 500 - start.length).toString('utf8');
      if (!headDone) {
        headText += chunk.toString('utf8');
        const m = HEAD.exec(headText);
        if (m) {
          try {
            head = JSON.parse(`{${m[1]}}`) as Record<string, unknown>;
          } catch {
            head = null;
          }
          headDone = true;
          headText = '';
        } else if (headText.length > 1 << 20) {
          headDone = true;
          headText = '';
        }
      }
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let at = buf.indexOf(ITEM);
      while (at !== -1) {
        items++;
        at = buf.indexOf(ITEM, at + ITEM.length);
      }
      carry = Buffer.from(buf.subarray(Math.max(0, buf.length - (ITEM.length - 1))));
      last = (last + chunk.subarray(Math.max(0, chunk.length - 3)).toString('latin1')).slice(-3);
    });
    res.on('end', () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        head,
        start,
        items,
        bytes,
        complete: last === ']}}',
        ttfbS,
        totalS: (performance.now() - t0) / 1000,
      }),
    );
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the server aborted the answer')));
  });
}

/** POSTs `path` as the multipart field `file` (a CSV unless told), streamed from disk. */
export async function uploadCsv(
  url: string,
  token: string,
  path: string,
  fields: Record<string, string> = {},
  file: { name: string; type: string } = { name: 'import.csv', type: 'text/csv' },
  headers: Record<string, string> = {},
): Promise<StreamedAnswer> {
  const boundary = `----import-bench-${randomBytes(12).toString('hex')}`;
  let pre = '';
  for (const [name, value] of Object.entries(fields)) {
    pre += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  pre += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`;
  const post = `\r\n--${boundary}--\r\n`;
  const size = (await stat(path)).size;
  const length = Buffer.byteLength(pre) + size + Buffer.byteLength(post);
  const t0 = performance.now();
  const req = http.request(url, {
    method: 'POST',
    agent: false,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': String(length),
      ...headers,
    },
  });
  const answer = new Promise<StreamedAnswer>((resolve, reject) => {
    req.on('response', (res) => readAnswer(res, t0).then(resolve, reject));
    req.on('error', reject);
  });
  const upload = (async () => {
    if (!req.write(pre)) await once(req, 'drain');
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
      if (req.destroyed) return;
      if (!req.write(chunk)) await once(req, 'drain');
    }
    req.end(post);
  })();
  // An early answer (413, 400) may cut the upload short: the answer is what matters then.
  upload.catch(() => undefined);
  return answer;
}

/** POSTs a JSON body; the answer is read as a stream like the upload's. */
export function postJson(
  url: string,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<StreamedAnswer> {
  const payload = JSON.stringify(body);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent: false,
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(payload)),
        ...headers,
      },
    });
    req.on('response', (res) => readAnswer(res, t0).then(resolve, reject));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A small JSON request, answer parsed whole (setup calls only). */
export async function jsonRequest(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}
