import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { EventStore, StoreHealth } from '@aftercare/event-store';
import { EVENT_STORE, ProjectionHost, Public } from '@aftercare/application';
import { ApiProblems } from '../problem/api-problems.decorator';
import { HealthResponseDto } from './health.response.dto';

interface ProjectionHealth {
  name: string;
  status: string;
  runningHere: boolean;
  checkpoint: string | null;
  headPosition: string | null;
  lag: number;
  lagIsLowerBound: boolean;
  failure: { error: string; position: string | null; eventId: string | null } | null;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly projections: ProjectionHost,
  ) {}

  /** 200 when the store is reachable; projections report their lag and any failure. */
  @Get()
  @ApiOkResponse({ type: HealthResponseDto, description: 'The store is reachable' })
  @ApiServiceUnavailableResponse({
    type: HealthResponseDto,
    description: 'The store is not reachable',
  })
  @ApiProblems(429, 500)
  async health(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ status: string; store: StoreHealth; projections: ProjectionHealth[] }> {
    const store = await this.store.health();
    const projections = store.reachable ? await this.projectionHealth() : [];
    const failed = projections.some((p) => p.status === 'failed');
    res.status(store.reachable ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: !store.reachable ? 'unavailable' : failed ? 'degraded' : 'ok',
      store,
      projections,
    };
  }

  private async projectionHealth(): Promise<ProjectionHealth[]> {
    const statuses = await this.projections.engine.status();
    return statuses.map((s) => ({
      name: s.name,
      status: s.status,
      runningHere: s.runningHere,
      checkpoint: s.checkpoint === undefined ? null : s.checkpoint.toString(),
      headPosition: s.headPosition === undefined ? null : s.headPosition.toString(),
      lag: s.lag,
      lagIsLowerBound: s.lagIsLowerBound,
      failure: s.failure
        ? {
            error: s.failure.error,
            position: s.failure.position === undefined ? null : String(s.failure.position),
            eventId: s.failure.eventId ?? null,
          }
        : null,
    }));
  }
}
