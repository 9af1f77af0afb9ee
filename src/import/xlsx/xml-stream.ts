/**
 * Drives saxes (the streaming XML parser exceljs itself uses) over the chunks of one workbook
 * part. Handlers see local names (`x:c` → `c`: some writers prefix the SpreadsheetML namespace)
 * and are called synchronously while a chunk is parsed; the generator yields after each chunk
 * so that a caller can hand on what the handlers collected before the next chunk is read.
 */
import { SaxesParser } from 'saxes';
import { invalidXlsx } from './xlsx-errors.js';

export interface XmlHandlers {
  open(name: string, attributes: Record<string, string>): void;
  close(name: string): void;
  text(text: string): void;
}

/**
 * saxes keeps the text between two tags in memory until the next tag: a part that runs this
 * many characters without one is refused instead of buffered.
 */
const MAX_CHARS_WITHOUT_TAG = 4 * 1024 * 1024;

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

export async function* feedXml(
  chunks: AsyncIterable<Buffer>,
  handlers: XmlHandlers,
  part: string,
): AsyncGenerator<void> {
  const parser = new SaxesParser({ position: false });
  let failure: Error | undefined;
  let events = 0;
  parser.on('error', (error) => {
    failure ??= error;
  });
  parser.on('opentag', (tag) => {
    events++;
    handlers.open(localName(tag.name), tag.attributes as Record<string, string>);
  });
  parser.on('closetag', (tag) => {
    events++;
    handlers.close(localName(tag.name));
  });
  parser.on('text', (text) => handlers.text(text));
  parser.on('cdata', (text) => handlers.text(text));

  const decoder = new TextDecoder('utf-8');
  let charsWithoutTag = 0;
  const write = (text: string) => {
    const before = events;
    parser.write(text);
    if (failure) throw invalidXlsx(`malformed XML: ${failure.message}`, part);
    charsWithoutTag = events === before ? charsWithoutTag + text.length : 0;
    if (charsWithoutTag > MAX_CHARS_WITHOUT_TAG) {
      throw invalidXlsx(`more than ${MAX_CHARS_WITHOUT_TAG} characters without a tag`, part);
    }
  };
  for await (const chunk of chunks) {
    write(decoder.decode(chunk, { stream: true }));
    yield;
  }
  write(decoder.decode());
  parser.close();
  if (failure) throw invalidXlsx(`malformed XML: ${(failure as Error).message}`, part);
}
