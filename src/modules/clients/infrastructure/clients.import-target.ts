import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../../config/app-config.js';
import {
  changedFields,
  fieldValues,
  type LockedRecord,
  type RevertAction,
} from '../../../import/domain/import-change.js';
import type { FieldDiff, ImportRow, RowIssue } from '../../../import/domain/import-row.js';
import {
  type CheckedRow,
  type ImportContext,
  ImportTarget,
  type RowAction,
  type WriteResult,
} from '../../../import/domain/import-target.js';
import {
  PG_CHECK_VIOLATION,
  PG_FOREIGN_KEY_VIOLATION,
  PG_UNIQUE_VIOLATION,
  pgConstraint,
  pgErrorCode,
} from '../../../shared/database/pg-errors.js';
import { timeOrderedIds } from '../../../shared/database/time-ordered-ids.js';
import { CustomerRepository } from '../../customers/domain/customer.repository.js';
import { compileFieldRules } from '../../../shared/rules/field-rules.js';
import {
  CLIENT_DIFF_FIELDS,
  CLIENT_FIELDS,
  CLIENT_IMPORT_COLUMNS,
  type ClientFields,
} from '../domain/client.js';
import { ClientRepository } from '../domain/client.repository.js';
import {
  CLIENT_IMPORT_RULES,
  EMAIL_OR_PHONE_REQUIRED,
  needsEmailOrPhone,
  toE164,
} from '../domain/client.rules.js';
import { PhoneNormalizer } from './phone-normalizer.js';
import { EMAIL_KEY } from './typeorm-client.repository.js';

export type ClientPayload = ClientFields & { company_name: string | null };

/** A batch's phone numbers (as in the cells, trimmed) → E.164, or null when not valid. */
type PhoneNumbers = Map<string, string | null>;

class ClientGoneError extends Error {}

const checkRow = compileFieldRules(CLIENT_IMPORT_RULES);

/**
 * Clients on the import engine (SPEC §5.1): field rules with E.164 phones; the organisation
 * looked up by `company_name` (none → error, several → ambiguous with candidates); an e-mail
 * already used → warning with the existing client and a diff; in-file duplicate e-mails by
 * `upload_type`. Two queries classify a whole batch; one or two statements write it.
 */
@Injectable()
export class ClientsImportTarget extends ImportTarget<ClientPayload, PhoneNumbers> {
  readonly entityType = 'clients' as const;
  readonly columns = CLIENT_IMPORT_COLUMNS;
  override readonly resolves = { field: 'organization_id' };

  constructor(
    private readonly clients: ClientRepository,
    private readonly customers: CustomerRepository,
    private readonly config: AppConfig,
    private readonly phones: PhoneNormalizer,
  ) {
    super();
  }

  /** The batch's phone numbers in E.164, worked out on a worker thread. */
  override prepare(rows: ReadonlyArray<Record<string, string>>): Promise<PhoneNumbers> {
    return this.phones.normalize(
      rows.flatMap((cells) => (cells.phone ? [cells.phone.trim()] : [])),
    );
  }

  /** `upload_type: multi` (several clients under one contact) makes a repeated e-mail a warning. */
  duplicateSeverity(context: ImportContext): 'error' | 'warning' {
    return context.settings.upload_type === 'multi' ? 'warning' : 'error';
  }

  check(
    cells: Record<string, string>,
    _context: ImportContext,
    prepared?: PhoneNumbers,
  ): CheckedRow<ClientPayload> {
    const { values, errors } = checkRow(cells);
    let phone: string | null = null;
    if (values.phone !== undefined) {
      phone = prepared?.has(values.phone)
        ? prepared.get(values.phone)!
        : toE164(values.phone, this.config.DEFAULT_PHONE_REGION);
      if (!phone) errors.push({ field: 'phone', message: 'invalid_phone', values: [values.phone] });
    }
    const email = values.email ?? null;
    // Presence is what the rule asks: an e-mail or a phone written, valid or not.
    if (needsEmailOrPhone(cells.email?.trim(), cells.phone?.trim()))
      errors.push({ field: 'email', message: EMAIL_OR_PHONE_REQUIRED });
    return {
      payload: {
        first_name: values.first_name ?? '',
        last_name: values.last_name ?? null,
        email,
        phone,
        address: values.address ?? null,
        notes: values.notes ?? null,
        organization_id: null,
        company_name: values.company_name?.trim() || null,
      },
      errors,
      ...(email ? { duplicateKey: { field: 'email', value: email } } : {}),
    };
  }

  async classify(rows: ImportRow<ClientPayload>[], { businessUid }: ImportContext): Promise<void> {
    const names = rows.flatMap((r) => (r.payload.company_name ? [r.payload.company_name] : []));
    const emails = rows.flatMap((r) => (r.payload.email ? [r.payload.email] : []));
    const [customers, existing] = await Promise.all([
      this.customers.findByNames(businessUid, names),
      this.clients.findByEmails(businessUid, emails),
    ]);
    const byName = new Map<string, typeof customers>();
    for (const c of customers) {
      const key = c.company_name.toLowerCase();
      byName.set(key, [...(byName.get(key) ?? []), c]);
    }
    const byEmail = new Map(existing.map((c) => [c.email!.toLowerCase(), c]));
    for (const row of rows) {
      const name = row.payload.company_name;
      if (name) {
        const matches = byName.get(name.toLowerCase()) ?? [];
        if (matches.length === 0)
          row.errors.push({ field: 'company_name', message: 'not_found', values: [name] });
        else if (matches.length === 1) row.payload.organization_id = matches[0].id;
        else {
          row.ambiguities.push({
            field: 'company_name',
            values: [name],
            candidates: matches.map((c) => ({ id: c.id, name: c.company_name, kind: 'customer' })),
          });
        }
      }
      const client = row.payload.email ? byEmail.get(row.payload.email.toLowerCase()) : undefined;
      if (client) {
        const issue: RowIssue = {
          field: 'email',
          message: 'already_exists',
          values: [row.payload.email!],
        };
        row.warnings.unshift(issue);
        row.existingId = client.id;
        row.diff = diffOf(client, row.payload);
      }
    }
  }

  async write(actions: RowAction<ClientPayload>[], context: ImportContext): Promise<WriteResult[]> {
    const { businessUid, channel } = context;
    const source = channel.kind === 'app' ? `app:${channel.appCodeName}` : 'csv_import';
    const results = new Map<number, WriteResult>();
    const creates = actions.flatMap((a) => (a.kind === 'create' ? [a] : []));
    const ids = timeOrderedIds(creates.length);
    const rows = creates.map((a, i) => ({
      id: ids[i],
      source,
      fields: toFields(a.payload, a.resolved),
      rowNumber: a.rowNumber,
    }));
    await this.clients.insertMany(businessUid, rows);
    for (const r of rows)
      results.set(r.rowNumber, {
        rowNumber: r.rowNumber,
        id: r.id,
        status: 'created',
        written: fieldValues(r.fields, CLIENT_FIELDS),
      });

    // Two rows updating one client: one statement each, in file order, so the last row wins.
    let updates = actions.flatMap((a) => (a.kind === 'update' ? [a] : []));
    while (updates.length > 0) {
      const seen = new Set<string>();
      const round = updates.filter((a) => !seen.has(a.targetId) && (seen.add(a.targetId), true));
      updates = updates.filter((a) => !round.includes(a));
      const fields = round.map((a) => updateFields(a.payload, a.resolved));
      const found = new Map(
        (
          await this.clients.updateMany(
            businessUid,
            round.map((a, i) => ({ id: a.targetId, fields: fields[i] })),
          )
        ).map((u) => [u.id, u.before]),
      );
      round.forEach((a, i) => {
        const before = found.get(a.targetId);
        if (!before) throw new ClientGoneError('the client to update no longer exists');
        results.set(a.rowNumber, {
          rowNumber: a.rowNumber,
          id: a.targetId,
          status: 'updated',
          // Exactly the fields this row changed, with their values before (undo restores them).
          ...changedFields(
            fieldValues(before, CLIENT_FIELDS),
            fieldValues(fields[i], fieldsOf(fields[i])),
          ),
        });
      });
    }
    return actions.map((a) => results.get(a.rowNumber)!);
  }

  async lockForRevert(
    ids: string[],
    { businessUid }: ImportContext,
  ): Promise<Map<string, LockedRecord>> {
    // Nothing refers to a client.
    const clients = await this.clients.lockMany(businessUid, ids);
    return new Map(
      clients.map((c) => [c.id, { values: fieldValues(c, CLIENT_FIELDS), referenced: false }]),
    );
  }

  async revert(actions: RevertAction[], { businessUid }: ImportContext): Promise<void> {
    await this.clients.deleteMany(
      businessUid,
      actions.flatMap((a) => (a.kind === 'delete' ? [a.id] : [])),
    );
    await this.clients.restoreMany(
      businessUid,
      actions.flatMap((a) =>
        a.kind === 'restore' ? [{ id: a.id, fields: a.fields as Partial<ClientFields> }] : [],
      ),
    );
  }

  describeFailure(error: unknown): string {
    if (error instanceof ClientGoneError) return error.message;
    const code = pgErrorCode(error);
    if (code === PG_UNIQUE_VIOLATION && pgConstraint(error) === EMAIL_KEY)
      return 'email already used by another client';
    if (code === PG_FOREIGN_KEY_VIOLATION) return 'the organization no longer exists';
    if (code === PG_CHECK_VIOLATION) return 'the client would have neither e-mail nor phone';
    if (/value too long/i.test((error as Error)?.message ?? ''))
      return 'a value is too long for its column';
    return 'the client could not be written';
  }
}

function toFields(payload: ClientPayload, organizationId?: string): ClientFields {
  const { company_name: _, ...fields } = payload;
  return { ...fields, organization_id: organizationId ?? payload.organization_id };
}

/** What override writes: the row's non-empty cells; empty cells keep the client's values. */
function updateFields(payload: ClientPayload, organizationId?: string): Partial<ClientFields> {
  const fields: Partial<ClientFields> = {};
  for (const field of CLIENT_DIFF_FIELDS) {
    const value =
      field === 'organization_id' ? (organizationId ?? payload.organization_id) : payload[field];
    if (value !== null && value !== undefined) fields[field] = value;
  }
  return fields;
}

/** The fields an update sets. */
function fieldsOf(fields: Partial<ClientFields>): Array<keyof ClientFields> {
  return Object.keys(fields) as Array<keyof ClientFields>;
}

function diffOf(existing: ClientFields, payload: ClientPayload): FieldDiff | undefined {
  const diff: FieldDiff = {};
  const next = updateFields(payload);
  for (const field of CLIENT_DIFF_FIELDS) {
    const to = next[field];
    if (to !== undefined && to !== existing[field]) diff[field] = { from: existing[field], to };
  }
  return Object.keys(diff).length > 0 ? diff : undefined;
}
