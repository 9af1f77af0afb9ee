import { Global, Module } from '@nestjs/common';
import { CancelImport } from './application/cancel-import.js';
import { ConfirmImport } from './application/confirm-import.js';
import { ImportJobs } from './application/import-jobs.js';
import { ImportQueries } from './application/import-queries.js';
import { ImportTargets } from './application/import-targets.js';
import { JobLeases } from './application/job-leases.js';
import { RevertImport } from './application/revert-import.js';
import { ValidateImport } from './application/validate-import.js';
import { ImportChangeRepository } from './domain/import-change.repository.js';
import { ImportOutcomeRepository } from './domain/import-outcome.repository.js';
import { ImportRowRepository } from './domain/import-row.repository.js';
import { ImportSessionRepository } from './domain/import-session.repository.js';
import { JobLeaseRepository } from './domain/job-lease.repository.js';
import { RevertOutcomeRepository } from './domain/revert-outcome.repository.js';
import { UploadRepository } from './domain/upload.repository.js';
import { ImportEndpoints } from './http/import-endpoints.js';
import { TypeOrmImportChangeRepository } from './infrastructure/typeorm-import-change.repository.js';
import { TypeOrmImportOutcomeRepository } from './infrastructure/typeorm-import-outcome.repository.js';
import { TypeOrmImportRowRepository } from './infrastructure/typeorm-import-row.repository.js';
import { TypeOrmImportSessionRepository } from './infrastructure/typeorm-import-session.repository.js';
import { TypeOrmJobLeaseRepository } from './infrastructure/typeorm-job-lease.repository.js';
import { TypeOrmRevertOutcomeRepository } from './infrastructure/typeorm-revert-outcome.repository.js';
import { TypeOrmUploadRepository } from './infrastructure/typeorm-upload.repository.js';

/**
 * The shared kernel: the ImportSession aggregate, the generic engine every entity plugs into
 * (its targets register with ImportTargets) — validate, confirm, cancel, undo — and the one job
 * loop and lease component that every import job runs under.
 */
@Global()
@Module({
  providers: [
    { provide: ImportSessionRepository, useClass: TypeOrmImportSessionRepository },
    { provide: ImportRowRepository, useClass: TypeOrmImportRowRepository },
    { provide: ImportOutcomeRepository, useClass: TypeOrmImportOutcomeRepository },
    { provide: ImportChangeRepository, useClass: TypeOrmImportChangeRepository },
    { provide: RevertOutcomeRepository, useClass: TypeOrmRevertOutcomeRepository },
    { provide: JobLeaseRepository, useClass: TypeOrmJobLeaseRepository },
    { provide: UploadRepository, useClass: TypeOrmUploadRepository },
    JobLeases,
    ImportJobs,
    ValidateImport,
    ConfirmImport,
    CancelImport,
    RevertImport,
    ImportQueries,
    ImportTargets,
    ImportEndpoints,
  ],
  exports: [
    ValidateImport,
    ConfirmImport,
    ImportQueries,
    ImportTargets,
    ImportEndpoints,
    ImportJobs,
    JobLeases,
    ImportSessionRepository,
  ],
})
export class ImportModule {}
