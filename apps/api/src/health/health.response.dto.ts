import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** GET /health/live. */
export class LivenessResponseDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

/** One terminus indicator: `status` and what the indicator adds (see /health for each one). */
export class HealthIndicatorDto {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
}

const INDICATORS = {
  type: 'object',
  additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' },
  description:
    'By indicator: store (kind, detail), readModels, projections (maxLag, failed, lagging, ' +
    'orphaned: projections this instance should run that no live instance runs, e.g. while a ' +
    "killed process's lease has not expired; on /health also head and items with checkpoint, " +
    'lag, lagIsUpperBound, owner, caughtUp, phase (rebuilding, catching_up or live here), ' +
    'eventsPerSecond, etaSeconds, failure), ' +
    'loops (on /health: items with state, checkpoint, caughtUp, lastError, retryAt)',
} as const;

/** GET /health/ready and the terminus part of GET /health (503 carries the same body). */
export class ReadinessResponseDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] }) status!: string;
  @ApiPropertyOptional(INDICATORS) info?: Record<string, HealthIndicatorDto>;
  @ApiPropertyOptional(INDICATORS) error?: Record<string, HealthIndicatorDto>;
  @ApiProperty(INDICATORS) details!: Record<string, HealthIndicatorDto>;
}

export class EventLoopDelayDto {
  @ApiProperty({ example: 12.5 }) p99Ms!: number;
  @ApiProperty({ example: 31.2 }) maxMs!: number;
}

/** GET /health: every indicator with detail, when the snapshot was taken, the event loop delay. */
export class HealthResponseDto extends ReadinessResponseDto {
  @ApiProperty({ example: '2026-12-01T22:00:00.000Z' }) at!: string;
  @ApiProperty({ type: EventLoopDelayDto }) eventLoop!: EventLoopDelayDto;
}
