import { Injectable, Logger } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type { ImportFinished } from '../domain/import-notifier.js';
import { ImportNotifier } from '../domain/import-notifier.js';

function summary(event: ImportFinished): string {
  const counts = `${event.created} created, ${event.updated} updated, ${event.skipped} skipped, ${event.failed} failed of ${event.totalRows} records`;
  if (event.status === 'completed') return counts;
  if (event.status === 'cancelled') return `the import was cancelled: ${counts}`;
  return `the import failed: ${event.error ?? 'unknown error'}`;
}

/** The default adapter: a structured log event. */
@Injectable()
export class LogImportNotifier extends ImportNotifier {
  private readonly logger = new Logger('ImportNotifier');

  async importFinished(event: ImportFinished): Promise<void> {
    this.logger.log(
      { event: 'import_finished', ...event },
      `app import ${event.sessionId}: ${summary(event)}`,
    );
  }
}

/** E-mail through SMTP_URL (nodemailer); always logs as well. */
@Injectable()
export class SmtpImportNotifier extends ImportNotifier {
  private readonly transport: Transporter;
  private readonly log = new LogImportNotifier();

  constructor(
    smtpUrl: string,
    private readonly from = 'import-backend <no-reply@import-backend.local>',
  ) {
    super();
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async importFinished(event: ImportFinished): Promise<void> {
    await this.log.importFinished(event);
    if (!event.email) return;
    await this.transport.sendMail({
      from: this.from,
      to: event.email,
      subject: `Clients import from ${event.appCodeName}: ${event.status}`,
      text: [
        `The import ${event.sessionId} from the app ${event.appCodeName} for ${event.businessUid} is ${event.status}.`,
        '',
        summary(event),
      ].join('\n'),
    });
  }
}
