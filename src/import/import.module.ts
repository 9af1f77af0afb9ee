import { Global, Module } from '@nestjs/common';
import { ConfirmImport } from './application/confirm-import.js';
import { ImportQueries } from './application/import-queries.js';
import { ImportTargets } from './application/import-targets.js';
import { ImportWorker } from './application/import-worker.js';
import { ValidateImport } from './application/validate-import.js';
import { ImportSessionRepository } from './domain/import-session.repository.js';
import { ImportEndpoints } from './http/import-endpoints.js';
import { TypeOrmImportSessionRepository } from './infrastructure/typeorm-import-session.repository.js';

/** The shared kernel: the ImportSession aggregate and the generic engine every entity plugs into. */
@Global()
@Module({
  providers: [
    { provide: ImportSessionRepository, useClass: TypeOrmImportSessionRepository },
    ValidateImport,
    ConfirmImport,
    ImportQueries,
    ImportTargets,
    ImportWorker,
    ImportEndpoints,
  ],
  exports: [
    ValidateImport,
    ConfirmImport,
    ImportQueries,
    ImportTargets,
    ImportEndpoints,
    ImportSessionRepository,
  ],
})
export class ImportModule {}
