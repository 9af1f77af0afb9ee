import { Injectable } from '@nestjs/common';
import type { EntityType, ImportTarget } from '../domain/import-target.js';

/** The targets the entity modules plug into the engine, by entity type (for the worker). */
@Injectable()
export class ImportTargets {
  private readonly targets = new Map<EntityType, ImportTarget<unknown>>();

  register(target: ImportTarget<unknown>): void {
    this.targets.set(target.entityType, target);
  }

  get(entityType: EntityType): ImportTarget<unknown> {
    const target = this.targets.get(entityType);
    if (!target) throw new Error(`no import target for ${entityType}`);
    return target;
  }
}
