import type { Page, PageRequest } from '../../../shared/pagination.js';
import type { Client, ClientFields } from './client.js';

export abstract class ClientRepository {
  /** Throws ConflictError `already_exists` (key `email`) when the e-mail is taken. */
  abstract insert(businessUid: string, fields: ClientFields, source: string): Promise<Client>;
  abstract findById(businessUid: string, id: string): Promise<Client | null>;
  abstract list(
    businessUid: string,
    search: string | undefined,
    page: PageRequest,
  ): Promise<Page<Client>>;
  /** Throws ConflictError `already_exists` when the new e-mail is another client's. */
  abstract update(businessUid: string, id: string, fields: ClientFields): Promise<Client | null>;
  abstract delete(businessUid: string, id: string): Promise<boolean>;
  /** The business's clients with one of these e-mails, case-insensitively (one query). */
  abstract findByEmails(businessUid: string, emails: string[]): Promise<Client[]>;
  /** One multi-row insert; ids chosen by the caller. A taken e-mail fails the whole statement. */
  abstract insertMany(
    businessUid: string,
    rows: Array<{ id: string; fields: ClientFields; source: string }>,
  ): Promise<void>;
  /**
   * One statement: each update overwrites the given non-null fields. Returns the clients that
   * existed (a client deleted since validate is missing from the result), each with its fields
   * as they were just before, read under the update's row lock.
   */
  abstract updateMany(
    businessUid: string,
    rows: Array<{ id: string; fields: Partial<ClientFields> }>,
  ): Promise<Array<{ id: string; before: ClientFields }>>;
  /**
   * Undo of an import: locks these clients until the transaction ends (`FOR UPDATE`, one
   * statement) and returns them; a client deleted since is missing.
   */
  abstract lockMany(
    businessUid: string,
    ids: string[],
  ): Promise<Array<ClientFields & { id: string }>>;
  /** Deletes these clients (one statement). */
  abstract deleteMany(businessUid: string, ids: string[]): Promise<void>;
  /** One statement: sets exactly the given fields of each client (null included). */
  abstract restoreMany(
    businessUid: string,
    rows: Array<{ id: string; fields: Partial<ClientFields> }>,
  ): Promise<void>;
}
