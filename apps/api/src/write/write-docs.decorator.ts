import { applyDecorators, type Type } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOperation } from '@nestjs/swagger';
import { ApiProblems, COMMON_PROBLEMS, WRITE_PROBLEMS } from '../problem/api-problems.decorator';

/**
 * Shared OpenAPI for writes: the headers every write reads and the problems it may answer, and,
 * when `created` is given, the body of its 201 answer.
 */
export function WriteDocs(summary: string, created?: Type<unknown>) {
  return applyDecorators(
    ...(created
      ? [
          ApiCreatedResponse({
            type: created,
            description:
              'Recorded (or, for a retried Idempotency-Key, recorded before: Idempotent-Replayed: true)',
          }),
        ]
      : []),
    ApiOperation({ summary }),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The command id' }),
    ApiHeader({ name: 'X-Actor', required: false, description: "Who acts; defaults to 'api'" }),
    ApiHeader({ name: 'X-Correlation-Id', required: false }),
    ApiProblems(...WRITE_PROBLEMS, ...COMMON_PROBLEMS),
  );
}
