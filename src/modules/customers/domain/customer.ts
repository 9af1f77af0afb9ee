export const LANGUAGES = ['it', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The fields a customer (a company of the business) is written with (SPEC §4). */
export interface CustomerFields {
  company_name: string;
  vat_number: string;
  description: string | null;
  address: string | null;
  city: string | null;
  main_contact: string | null;
  email: string | null;
  phone: string | null;
  language: Language;
  notes: string | null;
}

export interface Customer extends CustomerFields {
  id: string;
  businessUid: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The CSV columns of a customers import, in template order. */
export const CUSTOMER_IMPORT_COLUMNS = [
  'company_name',
  'description',
  'vat_number',
  'address',
  'city',
  'main_contact',
  'email',
  'phone',
  'language',
  'notes',
] as const;
