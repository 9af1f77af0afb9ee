import { Apps1763900000000 } from './1763900000000-apps.js';

/** Every migration, in order. Under ESM TypeORM takes classes, not globs. */
export const MIGRATIONS = [Apps1763900000000];
