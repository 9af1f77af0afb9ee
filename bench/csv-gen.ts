/**
 * Streams a realistic import CSV of N rows to a file (never the whole file in memory) and
 * describes the records the database must hold beforehand (clients whose e-mail the file reuses,
 * customers its `company_name` cells name).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { CLIENT_IMPORT_COLUMNS } from '../src/modules/clients/domain/client.js';
import { CUSTOMER_IMPORT_COLUMNS } from '../src/modules/customers/domain/customer.js';
// A seeded PRNG, so that every run writes the same file.
import { rng } from '../src/import/csv/csv-differential.spec-helper.js';

export type Entity = 'clients' | 'customers';

export const columnsOf = (entity: Entity): readonly string[] =>
  entity === 'clients' ? CLIENT_IMPORT_COLUMNS : CUSTOMER_IMPORT_COLUMNS;

/** A client the database holds before the import (its e-mail comes back in the file). */
export interface ExistingClient {
  first_name: string;
  last_name: string;
  email: string;
  /** E.164, as the clients table stores it. */
  phone: string;
  address: string;
  notes: string;
}

/** Customers a clients file names in `company_name`: one name twice (ambiguous). */
export const ORGANIZATIONS = [
  'Rossi Costruzioni S.r.l.',
  'Bianchi & Figli S.p.A.',
  'Caffè Müller S.n.c.',
  'Peña Logística S.L.',
  'Gamma S.r.l.',
  'Gamma S.r.l.',
];
/** Named in a few rows, never created: `not_found` errors. */
const UNKNOWN_ORGANIZATION = 'Società Inesistente S.p.A.';

const FIRST_NAMES = [
  'Mario',
  'Giulia',
  'Luca',
  'Francesca',
  'Nicolò',
  'Zoë',
  'José',
  'Jürgen',
  'Chloé',
  'Andrea',
  'Federica',
  'Matteo',
  'Céline',
  'Iñaki',
  'Sofia',
  'Lorenzo',
  'Chiara',
  'Niccolò',
  'Anaïs',
  'Álvaro',
];
const LAST_NAMES = [
  'Rossi',
  'Bianchi',
  'Esposito',
  'Ricci',
  'De Luca',
  "D'Angelo",
  'Müller',
  'Peña',
  'Gallo',
  'Lombardi',
  'Mancini',
  'Fabbrì',
  'Costa',
  'Giordano',
  'Brunetti',
  'Martínez',
  'Conti',
  'Santoro',
  'Ferrara',
  'Marchetti',
];
const STREETS = [
  'Via Roma',
  'Corso Vittorio Emanuele II',
  'Piazza Duomo',
  'Via Garibaldi',
  'Viale Città di Castello',
  'Via Nazionale',
  'Largo Argentina',
  'Via dei Mille',
  'Strada Statale 16',
];
const CITIES = [
  ['20121', 'Milano'],
  ['00184', 'Roma'],
  ['10121', 'Torino'],
  ['80133', 'Napoli'],
  ['50122', 'Firenze'],
  ['40121', 'Bologna'],
  ['90133', 'Palermo'],
  ['30121', 'Venezia'],
  ['16121', 'Genova'],
  ['70121', 'Bari'],
];
/** Italian mobile prefixes libphonenumber accepts. */
const MOBILE_PREFIXES = ['320', '328', '329', '333', '335', '338', '339', '340', '345', '347'];
const MOBILE_PREFIXES_2 = ['348', '349', '351', '366', '388', '389', '392', '393'];
const MOBILES = [...MOBILE_PREFIXES, ...MOBILE_PREFIXES_2];
const AREA_CODES = ['02', '06', '011', '081', '055', '051', '091', '041', '010', '080'];
const NOTES = [
  'Cliente "VIP", richiamare entro venerdì',
  'Preferisce essere contattato via e-mail; no telefonate dopo le 18',
  'Ha chiesto un preventivo per la ristrutturazione, bagno e cucina',
  'Incontrato alla fiera di Bologna — molto interessato',
  'Pagamento a 60 giorni, fattura elettronica',
  'Non disponibile ad agosto',
];
const SECTORS = [
  'Edilizia, ristrutturazioni',
  'Ristorazione e catering',
  'Consulenza informatica',
  'Trasporti e logistica',
  "Commercio all'ingrosso di caffè, tè e spezie",
  'Studio di architettura',
  'Produzione di mobili su misura',
];
const LEGAL_FORMS = ['S.r.l.', 'S.p.A.', 'S.n.c.', 'S.a.s.', 'S.r.l.s.'];

/** RFC 4180 quoting: always when asked, and whenever the cell needs it. */
function cell(value: string, forceQuotes = false): string {
  if (forceQuotes || /[",\r\n]/.test(value) || value !== value.trim()) {
    return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

const ascii = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();

const digits = (random: () => number, n: number) => {
  let out = '';
  for (let i = 0; i < n; i++) out += Math.floor(random() * 10);
  return out;
};

/** Every 10th row (offset 3) reuses the e-mail of a client created beforehand. */
const isExistingClientRow = (i: number) => i % 10 === 3;
/** ~0.5% bad rows: an invalid e-mail (i % 400 === 7) or a missing required name (i % 400 === 207). */
const badEmailRow = (i: number) => i % 400 === 7;
const missingNameRow = (i: number) => i % 400 === 207;

function existingClient(i: number, random: () => number): ExistingClient {
  const first = FIRST_NAMES[i % FIRST_NAMES.length];
  const last = LAST_NAMES[Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length];
  return {
    first_name: first,
    last_name: last,
    email: `${ascii(first)}.${ascii(last)}.${i}@esistente.example.it`,
    phone: `+39${MOBILES[i % MOBILES.length]}${digits(random, 7)}`,
    address: `${STREETS[i % STREETS.length]} 1, Milano`,
    notes: 'creato prima del benchmark',
  };
}

export interface Generated {
  bytes: number;
  /** For clients: the clients to create before the import (about 10% of the rows). */
  existingClients: ExistingClient[];
}

/**
 * Writes the file; for clients, returns the clients to pre-create (their count is about 10% of
 * the rows; for 1M rows that is 100k small objects, which the bench accepts).
 */
export async function generateCsv(entity: Entity, rows: number, path: string): Promise<Generated> {
  const random = rng(20240601 + rows);
  const out = createWriteStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const existingClients: ExistingClient[] = [];
  let bytes = 0;
  let buffer = `${columnsOf(entity).join(',')}\r\n`;
  const flush = async () => {
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  for (let i = 0; i < rows; i++) {
    buffer += `${entity === 'clients' ? clientLine(i, random, existingClients) : customerLine(i, random)}\r\n`;
    if (buffer.length > 256 * 1024) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { bytes, existingClients };
}

function clientLine(i: number, random: () => number, existing: ExistingClient[]): string {
  const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)];
  const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)];
  let email = `${ascii(first)}.${ascii(last)}.${i}@example.com`;
  if (isExistingClientRow(i)) {
    const client = existingClient(i, random);
    existing.push(client);
    // Half of them differ in case only: the match is case-insensitive.
    email = i % 20 === 3 ? client.email.replace(/^./, (c) => c.toUpperCase()) : client.email;
  }
  if (badEmailRow(i)) email = `${ascii(first)}.${ascii(last)}@@example`;
  const prefix = MOBILES[Math.floor(random() * MOBILES.length)];
  const number = digits(random, 7);
  const phoneStyle = random();
  const phone =
    phoneStyle < 0.5
      ? `+39 ${prefix} ${number.slice(0, 3)} ${number.slice(3)}`
      : phoneStyle < 0.8
        ? `${prefix}${number}`
        : `${prefix} ${number}`;
  const [cap, city] = CITIES[Math.floor(random() * CITIES.length)];
  const address = `${STREETS[Math.floor(random() * STREETS.length)]} ${1 + Math.floor(random() * 200)}, ${cap} ${city}`;
  const r = random();
  // ~2% name an organisation: mostly one that exists, some the ambiguous one, some none.
  const company =
    r < 0.016
      ? ORGANIZATIONS[Math.floor(random() * 4)]
      : r < 0.018
        ? ORGANIZATIONS[4]
        : r < 0.02
          ? UNKNOWN_ORGANIZATION
          : '';
  const n = random();
  const notes =
    n < 0.7
      ? ''
      : n < 0.999
        ? NOTES[Math.floor(random() * NOTES.length)]
        : 'Due righe:\nsecondo recapito in ufficio';
  return [
    cell(missingNameRow(i) ? '' : first, random() < 0.2),
    cell(last, random() < 0.2),
    cell(email),
    cell(phone, phoneStyle > 0.9),
    cell(address),
    cell(company),
    cell(notes),
  ].join(',');
}

function customerLine(i: number, random: () => number): string {
  const sector = SECTORS[Math.floor(random() * SECTORS.length)];
  const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)];
  const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)];
  const name = `${last} ${['Costruzioni', 'Servizi', 'Trasporti', 'Caffè', 'Arredamenti'][i % 5]} ${i} ${LEGAL_FORMS[i % LEGAL_FORMS.length]}`;
  // Unique, 11 digits with leading zeros (an Italian partita IVA as Excel would lose it).
  const vat = String(i + 1).padStart(11, '0');
  const [cap, city] = CITIES[Math.floor(random() * CITIES.length)];
  const address = `${STREETS[Math.floor(random() * STREETS.length)]} ${1 + Math.floor(random() * 200)}, ${cap}`;
  let email = `info.${i}@${ascii(last)}-azienda.example.it`;
  if (badEmailRow(i)) email = 'amministrazione(at)example.it';
  const phone = `+39 ${AREA_CODES[Math.floor(random() * AREA_CODES.length)]} ${digits(random, 7)}`;
  const n = random();
  const notes = n < 0.6 ? '' : NOTES[Math.floor(random() * NOTES.length)];
  return [
    cell(missingNameRow(i) ? '' : name, random() < 0.3),
    cell(sector),
    cell(vat, random() < 0.1),
    cell(address),
    cell(city),
    cell(`${first} ${last}`),
    cell(email),
    cell(phone),
    random() < 0.7 ? 'it' : 'en',
    cell(notes),
  ].join(',');
}
