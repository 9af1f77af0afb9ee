import { get } from 'node:http';

export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/**
 * Reads a `text/event-stream` until the server ends it (or `timeoutMs`), as a browser's
 * EventSource would: `event:` and `data:` lines, events separated by a blank line, comments
 * (`:`) ignored. Resolves with every event in order and the response's content type.
 */
export function readEventStream(
  url: string,
  headers: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ status: number; contentType: string; events: ServerSentEvent[] }> {
  return new Promise((resolve, reject) => {
    const events: ServerSentEvent[] = [];
    const request = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) });
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          events,
        });
      });
    });
    const timer = setTimeout(() => {
      request.destroy();
      reject(
        new Error(
          `the event stream did not end within ${timeoutMs} ms: ${JSON.stringify(events.at(-1))}`,
        ),
      );
    }, timeoutMs);
    request.on('error', reject);
  });
}
