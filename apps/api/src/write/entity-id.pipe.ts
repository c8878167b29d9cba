import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { RequestValidationException } from '../problem/request-validation.exception';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;

/** Path ids follow the same rule as ids in bodies, so every id can name a stream. */
@Injectable()
export class EntityIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (typeof value === 'string' && ID.test(value)) return value;
    const field = metadata.data ?? 'id';
    throw new RequestValidationException([
      { field, messages: [`${field} may hold letters, digits, _ . : and - only (1 to 100)`] },
    ]);
  }
}
