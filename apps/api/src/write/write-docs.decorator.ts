import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

/**
 * Shared OpenAPI for writes: the headers every write reads and the problems it may answer, and,
 * when `created` is given, the body of its 201 answer.
 */
export function WriteDocs(summary: string, created?: Type<unknown>) {
  return applyDecorators(
    ...(created ? [ApiCreatedResponse({ type: created })] : []),
    ApiOperation({ summary }),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The command id' }),
    ApiHeader({ name: 'X-Actor', required: false, description: "Who acts; defaults to 'api'" }),
    ApiHeader({ name: 'X-Correlation-Id', required: false }),
    ApiBadRequestResponse({ description: 'Invalid fields (problem+json with errors[])' }),
    ApiNotFoundResponse({ description: 'Unknown customer, claim or entity' }),
    ApiConflictResponse({ description: 'Refused by the domain, or a concurrent write' }),
    ApiUnprocessableEntityResponse({
      description: 'Invalid by the domain, or Idempotency-Key reused with another request',
    }),
  );
}
