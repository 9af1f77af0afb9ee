/**
 * Tells an uploaded workbook from a CSV by its content, never by its name:
 *
 * - a ZIP whose main part is a SpreadsheetML workbook → `'xlsx'` (also `.xlsm` / `.xltx`, whose
 *   macros are never run: only cell values are read);
 * - a ZIP holding an OpenDocument spreadsheet, a binary workbook (`.xlsb`) or anything else →
 *   415 `unsupported_file_type`;
 * - an OLE2 compound file (`D0 CF 11 E0 A1 B1 1A E1`): a password-protected OOXML workbook (it
 *   has an `EncryptionInfo` stream), a legacy `.xls` (a `Workbook` or `Book` stream) or another
 *   Office document → 415 `unsupported_file_type`, the message saying which and what to do;
 * - a file that starts like a ZIP but whose directory cannot be read → 400 `invalid_xlsx`;
 * - anything else → `'csv'` (the CSV reader judges text).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { findMainPart } from './workbook.js';
import { unsupportedFileType, type UnsupportedKind } from './xlsx-errors.js';
import { looksLikeZip, readEntryText, readZipArchive } from './zip-archive.js';

export type UploadFormat = 'csv' | 'xlsx';

const OLE2_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** Enough for any real workbook; a bigger directory is refused as a zip bomb by `openXlsx`. */
const SNIFF_MAX_ENTRIES = 100_000;
const ODS_MIMETYPE = 'application/vnd.oasis.opendocument.spreadsheet';

export async function sniffUpload(path: string): Promise<UploadFormat> {
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    head = head.subarray(0, bytesRead);
    if (head.equals(OLE2_SIGNATURE)) throw unsupportedFileType(await compoundFileKind(handle));
  } finally {
    await handle.close();
  }
  if (!looksLikeZip(head)) return 'csv';

  const archive = await readZipArchive(path, SNIFF_MAX_ENTRIES);
  const mimetype = archive.find('mimetype');
  if (mimetype) {
    const text = await readEntryText(archive, mimetype, 256);
    throw unsupportedFileType(text.trim().startsWith(ODS_MIMETYPE) ? 'ods' : 'zip');
  }
  if (!archive.find('[Content_Types].xml')) throw unsupportedFileType('zip');
  const main = await findMainPart(archive);
  if (main === undefined) throw unsupportedFileType('zip');
  if (main.toLowerCase().endsWith('.bin')) throw unsupportedFileType('xlsb');
  return 'xlsx';
}

// ------------------------------------------------------------------------- compound files

const END_OF_CHAIN = 0xfffffffe;
/** Directory sectors followed before giving up (a directory is a few sectors long). */
const MAX_DIRECTORY_SECTORS = 4096;

/**
 * Reads the directory of an OLE2 compound file ([MS-CFB]) for the names of its streams:
 * `EncryptionInfo` + `EncryptedPackage` is an encrypted OOXML package ([MS-OFFCRYPTO]),
 * `Workbook` / `Book` a BIFF8 / BIFF5 workbook. A damaged file is named as a legacy workbook
 * too: it is one of those two in practice, and the answer (415, save as .xlsx) stands.
 */
async function compoundFileKind(handle: FileHandle): Promise<UnsupportedKind> {
  let names: Set<string>;
  try {
    names = await compoundFileNames(handle);
  } catch {
    return 'xls';
  }
  if (names.has('encryptioninfo') && names.has('encryptedpackage')) return 'encrypted';
  if (names.has('workbook') || names.has('book')) return 'xls';
  return 'office_binary';
}

async function compoundFileNames(handle: FileHandle): Promise<Set<string>> {
  const { size } = await handle.stat();
  const header = await readBytes(handle, 0, 512);
  const sectorShift = header.readUInt16LE(0x1e);
  if (sectorShift !== 9 && sectorShift !== 12) throw new Error('bad sector size');
  const sectorSize = 1 << sectorShift;
  const idsPerSector = sectorSize / 4;
  const sectorOffset = (sector: number) => (sector + 1) * sectorSize;

  // The FAT's own sectors: 109 listed in the header, the rest in the DIFAT chain.
  const fatSectors: number[] = [];
  const fatCount = header.readUInt32LE(0x2c);
  for (let i = 0; i < 109 && fatSectors.length < fatCount; i++) {
    fatSectors.push(header.readUInt32LE(0x4c + i * 4));
  }
  let difat = header.readUInt32LE(0x44);
  for (let hops = 0; fatSectors.length < fatCount && difat < END_OF_CHAIN; hops++) {
    if (hops > MAX_DIRECTORY_SECTORS || sectorOffset(difat) + sectorSize > size) {
      throw new Error('bad DIFAT');
    }
    const sector = await readBytes(handle, sectorOffset(difat), sectorSize);
    for (let i = 0; i < idsPerSector - 1 && fatSectors.length < fatCount; i++) {
      fatSectors.push(sector.readUInt32LE(i * 4));
    }
    difat = sector.readUInt32LE(sectorSize - 4);
  }
  const nextSector = async (sector: number) => {
    const fatSector = fatSectors[Math.floor(sector / idsPerSector)];
    if (fatSector === undefined) throw new Error('sector outside the FAT');
    const at = sectorOffset(fatSector) + (sector % idsPerSector) * 4;
    return (await readBytes(handle, at, 4)).readUInt32LE(0);
  };

  const names = new Set<string>();
  const seen = new Set<number>();
  for (let sector = header.readUInt32LE(0x30); sector < END_OF_CHAIN;) {
    if (seen.has(sector) || seen.size >= MAX_DIRECTORY_SECTORS) throw new Error('bad chain');
    seen.add(sector);
    const entries = await readBytes(handle, sectorOffset(sector), sectorSize);
    for (let at = 0; at + 128 <= entries.length; at += 128) {
      const nameLength = entries.readUInt16LE(at + 0x40);
      if (nameLength < 2 || nameLength > 64) continue;
      names.add(entries.toString('utf16le', at, at + nameLength - 2).toLowerCase());
    }
    sector = await nextSector(sector);
  }
  return names;
}

async function readBytes(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw new Error('the file ends early');
  return buffer;
}
