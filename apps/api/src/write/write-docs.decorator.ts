import { applyDecorators, type Type } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOperation } from '@nestjs/swagger';
import { ApiProblems, COMMON_PROBLEMS, WRITE_PROBLEMS } from '../problem/api-problems.decorator';
import { POSITION_HEADER } from '../read/min-position.guard';

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
            headers: {
              [POSITION_HEADER]: {
                description:
                  'Global position of the last event recorded (also `position` in the body). Send it back as X-Aftercare-Min-Position on a read to see this write there',
                schema: { type: 'string', example: '42' },
              },
              'Idempotent-Replayed': {
                description: 'true when a retried Idempotency-Key answers what was recorded before',
                schema: { type: 'string', enum: ['true'] },
              },
            },
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
