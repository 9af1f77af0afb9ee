/** What a staff member is told when an app import ends (SPEC §5.2). */
export interface ImportFinished {
  sessionId: string;
  businessUid: string;
  appCodeName: string;
  status: 'completed' | 'failed' | 'cancelled';
  /** The user who started the import (the token's `sub`), and an address to write to, if known. */
  requestedBy: string;
  email: string | null;
  totalRows: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  error: string | null;
}

/** The notification port: a structured log event by default, e-mail when SMTP_URL is set. */
export abstract class ImportNotifier {
  abstract importFinished(event: ImportFinished): Promise<void>;
}
