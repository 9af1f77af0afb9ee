/** The fields a client (a person of the business) is written with (SPEC §5). */
export interface ClientFields {
  first_name: string;
  last_name: string | null;
  email: string | null;
  /** E.164. */
  phone: string | null;
  address: string | null;
  notes: string | null;
  organization_id: string | null;
}

export interface Client extends ClientFields {
  id: string;
  businessUid: string;
  /** `api`, `csv_import` or `app:<app_code_name>`. */
  source: string;
  createdAt: Date;
  updatedAt: Date;
}

/** Every field of a client, as stored. */
export const CLIENT_FIELDS = [
  'first_name',
  'last_name',
  'email',
  'phone',
  'address',
  'notes',
  'organization_id',
] as const satisfies ReadonlyArray<keyof ClientFields>;

/** The CSV columns of a clients import, in template order. */
export const CLIENT_IMPORT_COLUMNS = [
  'first_name',
  'last_name',
  'email',
  'phone',
  'address',
  'company_name',
  'notes',
] as const;

/** Fields an import may update on an existing client, and show in a diff. */
export const CLIENT_DIFF_FIELDS = [
  'first_name',
  'last_name',
  'phone',
  'address',
  'notes',
  'organization_id',
] as const satisfies ReadonlyArray<keyof ClientFields>;
