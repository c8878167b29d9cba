import {
  type ArgumentMetadata,
  Injectable,
  type Type,
  ValidationPipe,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';

/**
 * The API's validation pipe (class-validator DTOs, as the global ValidationPipe), with a shortcut
 * for a query that has no parameters at all, the most common read (a customer view): whether a
 * query DTO accepts an empty query depends on its class alone, so it is validated once per class;
 * after that an empty query gets the DTO's instance without class-validator's walk of the class's
 * rules. A DTO that refuses an empty query (a required parameter) is validated, and refused, every
 * time.
 */
@Injectable()
export class RequestValidationPipe extends ValidationPipe {
  private readonly acceptsEmptyQuery = new Set<Type>();

  constructor(options: ValidationPipeOptions) {
    super(options);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    const emptyQuery = metadata.type === 'query' && metatype !== undefined && isEmptyObject(value);
    if (emptyQuery && this.acceptsEmptyQuery.has(metatype)) return plainToInstance(metatype, {});
    const transformed: unknown = await super.transform(value, metadata);
    if (emptyQuery && transformed instanceof metatype) this.acceptsEmptyQuery.add(metatype);
    return transformed;
  }
}

function isEmptyObject(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return Object.getOwnPropertySymbols(value).length === 0;
}
