/**
 * Builders for the Excel reader's specs: ZIP archives written byte by byte (so a spec can make
 * them lie about sizes or checksums), minimal workbooks around a worksheet's XML, a minimal OLE2
 * compound file, and a zip bomb streamed through deflate so it never sits in memory expanded.
 */
import { readdir, readlink } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createDeflateRaw, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export const xlsxFixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/xlsx/${name}`, import.meta.url));
export const csvFixture = (name: string) =>
  fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));

export interface ZipInput {
  name: string;
  data: Buffer | string;
  /** 8 (deflate, default) or 0 (stored). */
  method?: 0 | 8;
  /** Lie about the uncompressed size in both headers. */
  declaredSize?: number;
  /** Lie about the CRC. */
  crc?: number;
  /** Already compressed bytes (with `size` and `crc` of the uncompressed data). */
  compressed?: { bytes: Buffer; size: number; crc: number };
}

/** A ZIP archive of the given entries, local headers then the central directory. */
export function zip(entries: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data;
    const method = entry.compressed ? 8 : (entry.method ?? 8);
    const bytes = entry.compressed?.bytes ?? (method === 8 ? deflateRawSync(data) : data);
    const size = entry.declaredSize ?? entry.compressed?.size ?? data.length;
    const crc = entry.crc ?? entry.compressed?.crc ?? crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(bytes.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, bytes);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(bytes.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + bytes.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The entries of a ZIP written by `zip()`, to write it again altered. */
export function entriesOf(archive: Buffer): Array<{ name: string; data: Buffer }> {
  const entries: Array<{ name: string; data: Buffer }> = [];
  for (let at = 0; archive.readUInt32LE(at) === 0x04034b50;) {
    const method = archive.readUInt16LE(at + 8);
    const size = archive.readUInt32LE(at + 18);
    const nameLength = archive.readUInt16LE(at + 26);
    const name = archive.toString('utf8', at + 30, at + 30 + nameLength);
    const raw = archive.subarray(at + 30 + nameLength, at + 30 + nameLength + size);
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 30 + nameLength + size;
  }
  return entries;
}

const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const REL_TYPE = `${REL_NS}`;

export interface SheetSpec {
  name: string;
  /** The content of `<sheetData>` (rows), or a whole worksheet part when it starts with `<?xml`. */
  xml: string;
  hidden?: boolean;
  /** Deflated data to use instead of `xml` (a bomb, a truncated stream). */
  compressed?: ZipInput['compressed'];
  declaredSize?: number;
}

export interface WorkbookSpec {
  sheets: SheetSpec[];
  sharedStrings?: string[];
  /** `numFmt` codes by id, and the `numFmtId` of each cell style (index = `s`). */
  numFmts?: Record<number, string>;
  cellStyles?: number[];
  date1904?: boolean;
  /** Extra entries (e.g. filler files). */
  extra?: ZipInput[];
}

export function worksheetXml(rows: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><sheetData>${rows}</sheetData></worksheet>`;
}

/** An inline-string cell. */
export const inline = (ref: string, text: string) =>
  `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;
/** A number cell, with an optional style index. */
export const num = (ref: string, value: string, style?: number) =>
  `<c r="${ref}"${style === undefined ? '' : ` s="${style}"`}><v>${value}</v></c>`;
export const row = (r: number, ...cells: string[]) => `<row r="${r}">${cells.join('')}</row>`;

const escapeAttribute = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A minimal workbook: what Excel needs to open it, no more. */
export function workbook(spec: WorkbookSpec): Buffer {
  const sheets = spec.sheets
    .map(
      (sheet, i) =>
        `<sheet name="${sheet.name}" sheetId="${i + 1}"${sheet.hidden ? ' state="hidden"' : ''} r:id="rId${i + 1}"/>`,
    )
    .join('');
  const rels = spec.sheets
    .map(
      (_, i) =>
        `<Relationship Id="rId${i + 1}" Type="${REL_TYPE}/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
    )
    .join('');
  const n = spec.sheets.length;
  const entries: ZipInput[] = [
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types/>' },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL_TYPE}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    },
    {
      name: 'xl/workbook.xml',
      data: `<?xml version="1.0"?><workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">${spec.date1904 ? '<workbookPr date1904="1"/>' : ''}<sheets>${sheets}</sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}<Relationship Id="rId${n + 1}" Type="${REL_TYPE}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId${n + 2}" Type="${REL_TYPE}/styles" Target="styles.xml"/></Relationships>`,
    },
    {
      name: 'xl/sharedStrings.xml',
      data: `<?xml version="1.0"?><sst xmlns="${MAIN_NS}">${(spec.sharedStrings ?? [])
        .map((s) => (s.startsWith('<') ? `<si>${s}</si>` : `<si><t>${s}</t></si>`))
        .join('')}</sst>`,
    },
    {
      name: 'xl/styles.xml',
      data: `<?xml version="1.0"?><styleSheet xmlns="${MAIN_NS}"><numFmts>${Object.entries(
        spec.numFmts ?? {},
      )
        .map(([id, code]) => `<numFmt numFmtId="${id}" formatCode="${escapeAttribute(code)}"/>`)
        .join('')}</numFmts><cellStyleXfs><xf numFmtId="99"/></cellStyleXfs><cellXfs>${(
        spec.cellStyles ?? [0]
      )
        .map((id) => `<xf numFmtId="${id}"/>`)
        .join('')}</cellXfs></styleSheet>`,
    },
    ...spec.sheets.map((sheet, i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: sheet.xml.startsWith('<?xml') ? sheet.xml : worksheetXml(sheet.xml),
      compressed: sheet.compressed,
      declaredSize: sheet.declaredSize,
    })),
    ...(spec.extra ?? []),
  ];
  return zip(entries);
}

/**
 * Deflates `repeat` copies of `chunk` after `prefix` and before `suffix` as a stream: the
 * uncompressed data (hundreds of MB for a bomb) never exists in memory at once.
 */
export async function deflateRepeated(
  prefix: string,
  chunk: string,
  repeat: number,
  suffix: string,
): Promise<{ bytes: Buffer; size: number; crc: number }> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (data: Buffer) => out.push(data));
  const done = new Promise((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let size = 0;
  let crc = 0;
  const write = async (text: string) => {
    const data = Buffer.from(text, 'utf8');
    size += data.length;
    crc = crc32(data, crc);
    if (!deflate.write(data)) await new Promise((resolve) => deflate.once('drain', resolve));
  };
  await write(prefix);
  for (let i = 0; i < repeat; i++) await write(chunk);
  await write(suffix);
  deflate.end();
  await done;
  return { bytes: Buffer.concat(out), size, crc };
}

/** A minimal OLE2 compound file (512-byte sectors): FAT in sector 0, directory in sector 1. */
export function compoundFile(streamNames: string[]): Buffer {
  const FREE = 0xffffffff;
  const END = 0xfffffffe;
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header, 0);
  header.writeUInt16LE(0x3e, 0x18);
  header.writeUInt16LE(3, 0x1a);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt16LE(6, 0x20);
  header.writeUInt32LE(1, 0x2c); // one FAT sector
  header.writeUInt32LE(1, 0x30); // directory starts at sector 1
  header.writeUInt32LE(4096, 0x38);
  header.writeUInt32LE(END, 0x3c);
  header.writeUInt32LE(END, 0x44);
  header.writeUInt32LE(0, 0x4c); // the FAT is sector 0
  for (let i = 1; i < 109; i++) header.writeUInt32LE(FREE, 0x4c + i * 4);
  const fat = Buffer.alloc(512, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0); // sector 0: FAT
  fat.writeUInt32LE(END, 4); // sector 1: directory, one sector
  const directory = Buffer.alloc(512);
  ['Root Entry', ...streamNames].slice(0, 4).forEach((name, i) => {
    const at = i * 128;
    const bytes = Buffer.from(`${name}\0`, 'utf16le');
    bytes.copy(directory, at);
    directory.writeUInt16LE(bytes.length, at + 0x40);
    directory.writeUInt8(i === 0 ? 5 : 2, at + 0x42);
  });
  return Buffer.concat([header, fat, directory]);
}

/** Descriptors of this process open on `path` (Linux), once it equals `expected` or after ~1 s. */
export async function descriptorsOn(path: string, expected = 0): Promise<number> {
  let count = -1;
  for (let attempt = 0; attempt < 50 && count !== expected; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const links = await Promise.all(
      (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
    );
    count = links.filter((link) => link === path).length;
  }
  return count;
}
