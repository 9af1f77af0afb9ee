import { Apps1763900000000 } from './1763900000000-apps.js';
import { CustomersAndImports1763900000001 } from './1763900000001-customers-and-imports.js';
import { Clients1763900000002 } from './1763900000002-clients.js';
import { AppSigningKey1763900000003 } from './1763900000003-app-signing-key.js';
import { ImportRowKeys1763900000004 } from './1763900000004-import-row-keys.js';
import { ImportOutcomes1763900000005 } from './1763900000005-import-outcomes.js';
import { ImportRowsJson1763900000006 } from './1763900000006-import-rows-json.js';
import { ByteOrderKeys1763900000007 } from './1763900000007-byte-order-keys.js';
import { ImportJobs1763900000008 } from './1763900000008-import-jobs.js';
import { ImportUndo1763900000020 } from './1763900000020-import-undo.js';
import { RateLimits1764100000000 } from './1764100000000-rate-limits.js';
import { AppSecrets1764200000000 } from './1764200000000-app-secrets.js';
import { IdempotencyKeys1764200000001 } from './1764200000001-idempotency-keys.js';

/** Every migration, in order. Under ESM TypeORM takes classes, not globs. */
export const MIGRATIONS = [
  Apps1763900000000,
  CustomersAndImports1763900000001,
  Clients1763900000002,
  AppSigningKey1763900000003,
  ImportRowKeys1763900000004,
  ImportOutcomes1763900000005,
  ImportRowsJson1763900000006,
  ByteOrderKeys1763900000007,
  ImportJobs1763900000008,
  ImportUndo1763900000020,
  RateLimits1764100000000,
  AppSecrets1764200000000,
  IdempotencyKeys1764200000001,
];
