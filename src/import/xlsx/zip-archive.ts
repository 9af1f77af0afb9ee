/**
 * Just enough of a ZIP reader for uploaded workbooks, on a file on disk: the central directory
 * (ZIP64 included) and one entry at a time as a stream. Reading the directory first, rather than
 * scanning local headers in file order, lets the caller refuse a zip bomb before inflating a
 * byte, and read the parts of a workbook in the order it needs them whatever order the writing
 * program chose.
 *
 * The sizes in the directory are the writer's word, so `entryChunks` also checks what it
 * inflates: more bytes than declared, fewer, or a CRC mismatch is an `invalid_xlsx`, and it stops
 * at the first byte past the declared size, so the declared sizes bound the work and memory.
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import { invalidXlsx, tooManyEntries, unsupportedFileType } from './xlsx-errors.js';

export interface ZipEntry {
  /** The name as stored (forward slashes); OOXML part names are ASCII. */
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  /** General purpose flags; bit 0 means encrypted. */
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export interface ZipArchive {
  path: string;
  size: number;
  entries: ZipEntry[];
  /** Looks an entry up by name, ignoring case (OPC part names are case-insensitive). */
  find(name: string): ZipEntry | undefined;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIZE = 30;
const READ_CHUNK_BYTES = 64 * 1024;

/** True when the first bytes are a ZIP local file header or an empty archive's directory end. */
export function looksLikeZip(head: Buffer): boolean {
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b) return false;
  return (head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6);
}

/**
 * Reads the central directory. Throws `too_many_entries` (413) past `maxEntries`, before the
 * directory itself is read, and `invalid_xlsx` when the archive is truncated or inconsistent.
 */
export async function readZipArchive(path: string, maxEntries: number): Promise<ZipArchive> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const end = await findDirectoryEnd(handle, size);
    if (end.entryCount > maxEntries) throw tooManyEntries(maxEntries);
    if (end.directoryOffset + end.directorySize > end.position) {
      throw invalidXlsx('the ZIP directory lies outside the file; is the file truncated?');
    }
    const directory = await readAt(handle, end.directoryOffset, end.directorySize);
    const entries = parseDirectory(directory, end.entryCount, size);
    const byName = new Map<string, ZipEntry>();
    for (const entry of entries) {
      const key = entry.name.toLowerCase();
      if (!byName.has(key)) byName.set(key, entry);
    }
    return {
      path,
      size,
      entries,
      find: (name) => byName.get(name.replace(/^\/+/, '').toLowerCase()),
    };
  } finally {
    await handle.close();
  }
}

interface DirectoryEnd {
  /** Offset of the end-of-central-directory record (the directory must end before it). */
  position: number;
  entryCount: number;
  directorySize: number;
  directoryOffset: number;
}

async function findDirectoryEnd(handle: FileHandle, size: number): Promise<DirectoryEnd> {
  const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT);
  const tail = await readAt(handle, size - tailLength, tailLength);
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    if (i + EOCD_SIZE + tail.readUInt16LE(i + 20) > tail.length) continue;
    const position = size - tailLength + i;
    if (tail.readUInt16LE(i + 4) !== 0 || tail.readUInt16LE(i + 6) !== 0) {
      throw invalidXlsx('a ZIP archive split over several files');
    }
    const end: DirectoryEnd = {
      position,
      entryCount: tail.readUInt16LE(i + 10),
      directorySize: tail.readUInt32LE(i + 12),
      directoryOffset: tail.readUInt32LE(i + 16),
    };
    const zip64 =
      end.entryCount === 0xffff ||
      end.directorySize === 0xffffffff ||
      end.directoryOffset === 0xffffffff;
    return zip64 ? readZip64End(handle, position) : end;
  }
  throw invalidXlsx('the end of the ZIP directory is missing; is the file truncated?');
}

async function readZip64End(handle: FileHandle, eocdPosition: number): Promise<DirectoryEnd> {
  const locatorPosition = eocdPosition - 20;
  if (locatorPosition < 0) throw invalidXlsx('a damaged ZIP64 directory');
  const locator = await readAt(handle, locatorPosition, 20);
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) {
    throw invalidXlsx('a damaged ZIP64 directory');
  }
  const recordPosition = safeNumber(locator.readBigUInt64LE(8));
  if (recordPosition + 56 > locatorPosition) throw invalidXlsx('a damaged ZIP64 directory');
  const record = await readAt(handle, recordPosition, 56);
  if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) {
    throw invalidXlsx('a damaged ZIP64 directory');
  }
  return {
    position: recordPosition,
    entryCount: safeNumber(record.readBigUInt64LE(32)),
    directorySize: safeNumber(record.readBigUInt64LE(40)),
    directoryOffset: safeNumber(record.readBigUInt64LE(48)),
  };
}

function parseDirectory(directory: Buffer, entryCount: number, fileSize: number): ZipEntry[] {
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let n = 0; n < entryCount; n++) {
    if (
      at + CENTRAL_HEADER_SIZE > directory.length ||
      directory.readUInt32LE(at) !== CENTRAL_SIGNATURE
    ) {
      throw invalidXlsx('a damaged ZIP directory');
    }
    const flags = directory.readUInt16LE(at + 8);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (next > directory.length) throw invalidXlsx('a damaged ZIP directory');
    const nameBytes = directory.subarray(
      at + CENTRAL_HEADER_SIZE,
      at + CENTRAL_HEADER_SIZE + nameLength,
    );
    const entry: ZipEntry = {
      // Bit 11: the name is UTF-8; otherwise CP437, which matches Latin-1 on the ASCII OOXML uses.
      name: nameBytes.toString(flags & 0x800 ? 'utf8' : 'latin1'),
      method: directory.readUInt16LE(at + 10),
      flags,
      crc32: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      uncompressedSize: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    };
    const extraStart = at + CENTRAL_HEADER_SIZE + nameLength;
    applyZip64Extra(entry, directory.subarray(extraStart, extraStart + extraLength));
    if (entry.localHeaderOffset + LOCAL_HEADER_SIZE > fileSize) {
      throw invalidXlsx('a ZIP entry lies outside the file; is the file truncated?', entry.name);
    }
    entries.push(entry);
    at = next;
  }
  return entries;
}

/** ZIP64 extra field (id 1): 64-bit values for the fields stored as 0xFFFFFFFF, in this order. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): void {
  const needs = {
    uncompressedSize: entry.uncompressedSize === 0xffffffff,
    compressedSize: entry.compressedSize === 0xffffffff,
    localHeaderOffset: entry.localHeaderOffset === 0xffffffff,
  };
  if (!needs.uncompressedSize && !needs.compressedSize && !needs.localHeaderOffset) return;
  for (let at = 0; at + 4 <= extra.length;) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const end = field + length;
      for (const key of ['uncompressedSize', 'compressedSize', 'localHeaderOffset'] as const) {
        if (!needs[key]) continue;
        if (field + 8 > end || field + 8 > extra.length) break;
        entry[key] = safeNumber(extra.readBigUInt64LE(field));
        field += 8;
      }
      return;
    }
    at += 4 + length;
  }
  throw invalidXlsx('a damaged ZIP64 entry', entry.name);
}

function safeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidXlsx('a damaged ZIP64 directory');
  return Number(value);
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw invalidXlsx('the file ends early; is it truncated?');
  return buffer;
}

/**
 * The uncompressed bytes of one entry. Closes the file when iteration ends, however it ends.
 * Errors: `invalid_xlsx` for damaged data (bad deflate stream, size or CRC mismatch),
 * `unsupported_file_type` (415) for an encrypted entry.
 */
export async function* entryChunks(archive: ZipArchive, entry: ZipEntry): AsyncGenerator<Buffer> {
  if (entry.flags & 0x1) throw unsupportedFileType('encrypted');
  if (entry.method !== 0 && entry.method !== 8) {
    throw invalidXlsx(`unsupported ZIP compression method ${entry.method}`, entry.name);
  }
  const dataStart = await locateData(archive, entry);
  if (entry.compressedSize === 0) {
    if (entry.uncompressedSize !== 0) throw invalidXlsx('an empty ZIP entry', entry.name);
    return;
  }
  const raw = createReadStream(archive.path, {
    start: dataStart,
    end: dataStart + entry.compressedSize - 1,
    highWaterMark: READ_CHUNK_BYTES,
  });
  let source: Readable = raw;
  if (entry.method === 8) {
    const inflate = createInflateRaw();
    // pipeline destroys both streams on an error of either; the error surfaces below.
    source = pipeline(raw, inflate, () => undefined);
  }
  let total = 0;
  let crc = 0;
  try {
    for await (const chunk of source) {
      const buffer = chunk as Buffer;
      total += buffer.length;
      if (total > entry.uncompressedSize) {
        throw invalidXlsx('a ZIP entry is larger than its directory says', entry.name);
      }
      crc = crc32(buffer, crc);
      yield buffer;
    }
  } catch (error) {
    throw isZlibError(error) ? invalidXlsx('damaged compressed data', entry.name) : error;
  } finally {
    source.destroy();
    raw.destroy();
  }
  if (total !== entry.uncompressedSize || crc !== entry.crc32) {
    throw invalidXlsx('a ZIP entry does not match its size or checksum', entry.name);
  }
}

async function locateData(archive: ZipArchive, entry: ZipEntry): Promise<number> {
  const handle = await open(archive.path, 'r');
  try {
    const header = await readAt(handle, entry.localHeaderOffset, LOCAL_HEADER_SIZE);
    if (header.readUInt32LE(0) !== LOCAL_SIGNATURE) {
      throw invalidXlsx('a damaged ZIP entry header', entry.name);
    }
    const start =
      entry.localHeaderOffset +
      LOCAL_HEADER_SIZE +
      header.readUInt16LE(26) +
      header.readUInt16LE(28);
    if (start + entry.compressedSize > archive.size) {
      throw invalidXlsx('a ZIP entry runs past the end of the file; is it truncated?', entry.name);
    }
    return start;
  } finally {
    await handle.close();
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** The whole of a small entry as UTF-8 text; '' when it is larger than `maxBytes`. */
export async function readEntryText(
  archive: ZipArchive,
  entry: ZipEntry,
  maxBytes: number,
): Promise<string> {
  if (entry.uncompressedSize > maxBytes) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of entryChunks(archive, entry)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
