import { Global, Module } from '@nestjs/common';
import { ShutdownState } from './shutdown-state.js';
import { RefuseWhileShuttingDown } from './starts-import.js';

/** The instance's life cycle: shutdown state and hooks, and the guard of import routes. */
@Global()
@Module({
  providers: [ShutdownState, RefuseWhileShuttingDown],
  exports: [ShutdownState, RefuseWhileShuttingDown],
})
export class LifecycleModule {}
