import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';

/** Shared OpenAPI for writes: the headers every write reads and the problems it may answer. */
export function WriteDocs(summary: string) {
  return applyDecorators(
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
