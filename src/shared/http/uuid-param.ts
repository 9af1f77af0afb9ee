import { Param, type PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { detail, InvalidError } from '../domain-error.js';

class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly key: string) {}

  transform(value: string): string {
    if (!isUUID(value)) throw new InvalidError([detail(this.key, 'invalid_uuid', value)]);
    return value.toLowerCase();
  }
}

/** A path parameter that must be a UUID (400 `invalid_uuid` on the parameter's key otherwise). */
export const UuidParam = (name: string) => Param(name, new UuidPipe(name));
