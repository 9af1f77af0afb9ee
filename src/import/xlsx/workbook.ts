/**
 * The structure of an `.xlsx` workbook that reading one worksheet needs: the sheet list and
 * which part holds each sheet (through the OPC relationships, not file names), the date system,
 * the number format of each cell style, and the shared strings table. Parts are read in this
 * order whatever their order in the ZIP, and only these parts are inflated.
 */
import { posix } from 'node:path';
import { classifyFormat, GENERAL, type NumberFormat } from './cell-text.js';
import { feedXml, type XmlHandlers } from './xml-stream.js';
import {
  invalidXlsx,
  sheetNotFound,
  uncompressedTooLarge,
  unsupportedFileType,
} from './xlsx-errors.js';
import { entryChunks, readZipArchive, type ZipArchive, type ZipEntry } from './zip-archive.js';

export interface WorkbookLimits {
  /** Refuse (413) a workbook whose ZIP entries declare more bytes than this, in all. */
  maxUncompressedBytes: number;
  /** Refuse (413) a ZIP of more entries than this. */
  maxEntries: number;
}

export interface Workbook {
  archive: ZipArchive;
  sheetName: string;
  /** The ZIP entry of the worksheet to read. */
  sheet: ZipEntry;
  date1904: boolean;
  /** Number format of each cell style (`<c s="…">` indexes it). */
  formats: NumberFormat[];
  sharedStrings: string[];
}

/**
 * The shared strings table is held in memory (cells refer to it by index): its part may not
 * expand beyond this, whatever `maxUncompressedBytes` allows.
 */
export const MAX_SHARED_STRINGS_BYTES = 128 * 1024 * 1024;
/** The workbook, relationships and styles parts, parsed whole. */
const MAX_STRUCTURE_PART_BYTES = 16 * 1024 * 1024;

const MAIN_WORKBOOK = 'xl/workbook.xml';

interface Relationship {
  type: string;
  /** The target part's name, resolved against the source part. */
  target: string;
}

interface SheetListing {
  name: string;
  relationshipId: string;
  hidden: boolean;
}

/** The main part of an OOXML package (`_rels/.rels`), or `xl/workbook.xml` when it has none. */
export async function findMainPart(archive: ZipArchive): Promise<string | undefined> {
  if (archive.find('_rels/.rels')) {
    const rels = await readRelationships(archive, '');
    const main = [...rels.values()].find((rel) => rel.type.endsWith('/officeDocument'));
    if (main && archive.find(main.target)) return main.target;
  }
  return archive.find(MAIN_WORKBOOK) ? MAIN_WORKBOOK : undefined;
}

/**
 * Opens the workbook structure and picks the worksheet: the one named `sheetName` (exactly, else
 * ignoring case), or the first visible worksheet. Throws `sheet_not_found` (400) listing the
 * worksheets, `uncompressed_too_large` / `too_many_entries` (413), `invalid_xlsx` (400).
 */
export async function openWorkbook(
  path: string,
  limits: WorkbookLimits,
  sheetName?: string,
): Promise<Workbook> {
  const archive = await readZipArchive(path, limits.maxEntries);
  const declared = archive.entries.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (declared > limits.maxUncompressedBytes)
    throw uncompressedTooLarge(limits.maxUncompressedBytes);

  const main = await findMainPart(archive);
  if (main === undefined) throw invalidXlsx('the workbook part (xl/workbook.xml) is missing');
  if (main.toLowerCase().endsWith('.bin')) throw unsupportedFileType('xlsb');
  const { sheets, date1904 } = await readWorkbookPart(archive, main);
  const rels = await readRelationships(archive, main);

  const worksheets = sheets.flatMap((listing) => {
    const rel = rels.get(listing.relationshipId);
    return rel?.type.endsWith('/worksheet') ? [{ ...listing, target: rel.target }] : [];
  });
  if (worksheets.length === 0) throw invalidXlsx('the workbook has no worksheet', main);
  const chosen = sheetName
    ? (worksheets.find((sheet) => sheet.name === sheetName) ??
      worksheets.find((sheet) => sheet.name.toLowerCase() === sheetName.toLowerCase()))
    : (worksheets.find((sheet) => !sheet.hidden) ?? worksheets[0]);
  if (!chosen) {
    throw sheetNotFound(
      sheetName!,
      worksheets.map((sheet) => sheet.name),
    );
  }
  const sheet = archive.find(chosen.target);
  if (!sheet) throw invalidXlsx(`the part of worksheet "${chosen.name}" is missing`, chosen.target);

  const related = (suffix: string) =>
    [...rels.values()].find((rel) => rel.type.endsWith(suffix))?.target;
  const stylesPart = related('/styles');
  const stringsPart = related('/sharedStrings');
  return {
    archive,
    sheetName: chosen.name,
    sheet,
    date1904,
    formats: stylesPart ? await readStyles(archive, stylesPart) : [],
    sharedStrings: stringsPart ? await readSharedStrings(archive, stringsPart) : [],
  };
}

/** Runs `handlers` over a whole part; a missing optional part reads as empty. */
async function parsePart(
  archive: ZipArchive,
  name: string,
  maxBytes: number,
  handlers: XmlHandlers,
  what: string,
): Promise<void> {
  const entry = archive.find(name);
  if (!entry) throw invalidXlsx(`the ${what} part is missing`, name);
  if (entry.uncompressedSize > maxBytes) throw uncompressedTooLarge(maxBytes, `the ${what} part`);
  for await (const _ of feedXml(entryChunks(archive, entry), handlers, entry.name));
}

async function readWorkbookPart(
  archive: ZipArchive,
  part: string,
): Promise<{ sheets: SheetListing[]; date1904: boolean }> {
  const sheets: SheetListing[] = [];
  let date1904 = false;
  await parsePart(
    archive,
    part,
    MAX_STRUCTURE_PART_BYTES,
    {
      open(name, attributes) {
        if (name === 'workbookPr') {
          date1904 = attributes.date1904 === '1' || attributes.date1904 === 'true';
        } else if (name === 'sheet') {
          // The relationship id is `r:id`, whatever prefix the relationships namespace has.
          const idKey = Object.keys(attributes).find((key) => /^[^:]+:id$/.test(key));
          sheets.push({
            name: attributes.name ?? '',
            relationshipId: idKey ? attributes[idKey] : '',
            hidden: attributes.state === 'hidden' || attributes.state === 'veryHidden',
          });
        }
      },
      close() {},
      text() {},
    },
    'workbook',
  );
  return { sheets, date1904 };
}

/** The relationships of `source` (`''` for the package), by id; external targets are left out. */
async function readRelationships(
  archive: ZipArchive,
  source: string,
): Promise<Map<string, Relationship>> {
  const dir = posix.dirname(source);
  const relsPart = posix.join(dir, '_rels', `${posix.basename(source)}.rels`);
  const rels = new Map<string, Relationship>();
  if (!archive.find(relsPart)) return rels;
  await parsePart(
    archive,
    relsPart,
    MAX_STRUCTURE_PART_BYTES,
    {
      open(name, attributes) {
        if (name !== 'Relationship' || attributes.TargetMode === 'External') return;
        if (!attributes.Id || !attributes.Target || !attributes.Type) return;
        rels.set(attributes.Id, {
          type: attributes.Type,
          target: resolveTarget(dir, attributes.Target),
        });
      },
      close() {},
      text() {},
    },
    'relationships',
  );
  return rels;
}

function resolveTarget(dir: string, target: string): string {
  let decoded = target;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    // Not percent-encoded after all: use it as written.
  }
  if (decoded.startsWith('/')) return posix.normalize(decoded.slice(1));
  return posix.normalize(posix.join(dir, decoded));
}

/** The number format of each cell style (`cellXfs`), in order. */
async function readStyles(archive: ZipArchive, part: string): Promise<NumberFormat[]> {
  const codes = new Map<number, string>();
  const formatIds: number[] = [];
  let inCellXfs = false;
  await parsePart(
    archive,
    part,
    MAX_STRUCTURE_PART_BYTES,
    {
      open(name, attributes) {
        if (name === 'numFmt') {
          codes.set(Number(attributes.numFmtId), attributes.formatCode ?? '');
        } else if (name === 'cellXfs') {
          inCellXfs = true;
        } else if (name === 'xf' && inCellXfs) {
          formatIds.push(Number(attributes.numFmtId ?? 0));
        }
      },
      close(name) {
        if (name === 'cellXfs') inCellXfs = false;
      },
      text() {},
    },
    'styles',
  );
  const byId = new Map<number, NumberFormat>();
  return formatIds.map((id) => {
    if (!Number.isInteger(id)) return GENERAL;
    let format = byId.get(id);
    if (!format) byId.set(id, (format = classifyFormat(id, codes.get(id))));
    return format;
  });
}

/**
 * The shared strings, as plain text: rich text runs are joined, phonetic guides (`rPh`, the
 * furigana of Japanese workbooks) are left out.
 */
async function readSharedStrings(archive: ZipArchive, part: string): Promise<string[]> {
  const strings: string[] = [];
  let pieces: string[] | undefined;
  let inText = false;
  let inPhonetic = false;
  await parsePart(
    archive,
    part,
    MAX_SHARED_STRINGS_BYTES,
    {
      open(name) {
        if (name === 'si') pieces = [];
        else if (name === 'rPh') inPhonetic = true;
        else if (name === 't' && pieces && !inPhonetic) inText = true;
      },
      close(name) {
        if (name === 't') inText = false;
        else if (name === 'rPh') inPhonetic = false;
        else if (name === 'si' && pieces) {
          strings.push(pieces.join(''));
          pieces = undefined;
        }
      },
      text(text) {
        if (inText) pieces!.push(text);
      },
    },
    'shared strings',
  );
  return strings;
}
