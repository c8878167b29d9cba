import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

export interface FieldError {
  /** Dotted path into the body, e.g. `pii.email` or `evidence.photos.0`. */
  field: string;
  messages: string[];
}

/** A request the DTOs refuse: one entry per offending field. */
export class RequestValidationException extends BadRequestException {
  constructor(readonly errors: FieldError[]) {
    super('The request has invalid fields');
  }
}

/** `exceptionFactory` for the global ValidationPipe: keeps nested paths instead of flat strings. */
export function toRequestValidationException(
  errors: ValidationError[],
): RequestValidationException {
  return new RequestValidationException(flatten(errors, ''));
}

function flatten(errors: ValidationError[], parent: string): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
