import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiQuery } from '@nestjs/swagger';
import { MIN_POSITION_HEADER, MIN_POSITION_QUERY, MinPositionGuard } from './min-position.guard';

const MIN_POSITION_DOC =
  "Read your own writes: answer only once the read models have applied every event up to this global position (a write's X-Aftercare-Position). Waits at most 5 s, then 503 read_model_behind with Retry-After. A position above the store's head, which no write was given, is a 400 at once (embedded store, PostgreSQL).";

/**
 * A route that answers from the read models: it says how fresh they are (X-Aftercare-Head,
 * -Checkpoint, -Lag, -Status-At) and accepts a minimum position to read one's own writes
 * (`X-Aftercare-Min-Position` or `?minPosition=`). On a controller or a method.
 */
export function ReadModelRoute() {
  return applyDecorators(
    UseGuards(MinPositionGuard),
    ApiHeader({
      name: MIN_POSITION_HEADER,
      required: false,
      description: MIN_POSITION_DOC,
      schema: { type: 'string', pattern: '^[0-9]{1,19}$', example: '42' },
    }),
    ApiQuery({
      name: MIN_POSITION_QUERY,
      required: false,
      description: `The same as the ${MIN_POSITION_HEADER} header.`,
      schema: { type: 'string', pattern: '^[0-9]{1,19}$', example: '42' },
    }),
  );
}
