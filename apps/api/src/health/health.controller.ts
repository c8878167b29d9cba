import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public, Roles, RuntimeStatus } from '@aftercare/application';
import { ApiProblems } from '../problem/api-problems.decorator';
import {
  HealthIndicatorDto,
  HealthResponseDto,
  LivenessResponseDto,
  ReadinessResponseDto,
} from './health.response.dto';
import { RuntimeHealthIndicators } from './runtime-health.indicators';

/**
 * Liveness, readiness and detail. All three answer from the runtime's cached snapshot (refreshed
 * every AFTERCARE_STATUS_REFRESH_MS in the background), so none waits for the store.
 */
@ApiTags('health')
@ApiExtraModels(HealthIndicatorDto)
@Controller('health')
export class HealthController {
  constructor(
    private readonly runtime: RuntimeStatus,
    private readonly checks: HealthCheckService,
    private readonly indicators: RuntimeHealthIndicators,
  ) {}

  /** The process is up and serving: answers as soon as the port is open. */
  @Get('live')
  @Public()
  @ApiOkResponse({ type: LivenessResponseDto, description: 'The process is serving requests' })
  @ApiProblems(429, 500)
  live(): LivenessResponseDto {
    return { status: 'ok' };
  }

  /** Ready for traffic: the store and read models reachable, projections run here within the lag. */
  @Get('ready')
  @Public()
  @ApiOkResponse({ type: ReadinessResponseDto, description: 'Ready for traffic' })
  @ApiServiceUnavailableResponse({
    type: ReadinessResponseDto,
    description:
      'Catching up (a projection lags more than AFTERCARE_READY_MAX_LAG), or a store is unreachable',
  })
  @ApiProblems(429, 500)
  async ready(@Res({ passthrough: true }) res: FastifyReply): Promise<HealthCheckResult> {
    const snapshot = await this.runtime.current();
    const maxLag = this.runtime.settings.readyMaxLag;
    return this.run(res, [
      () => this.indicators.store(snapshot),
      () => this.indicators.readModels(snapshot),
      () => this.indicators.projections(snapshot, maxLag, false),
    ]);
  }

  /** Every indicator with its detail: checkpoints, lag, failures, background loops, event loop delay. */
  @Get()
  @Roles('admin', 'service')
  @ApiOkResponse({ type: HealthResponseDto, description: 'Everything is up' })
  @ApiServiceUnavailableResponse({
    type: HealthResponseDto,
    description: 'Something is down; the body says what',
  })
  @ApiProblems(401, 403, 429, 500)
  async health(@Res({ passthrough: true }) res: FastifyReply): Promise<HealthResponseDto> {
    const snapshot = await this.runtime.current();
    const maxLag = this.runtime.settings.readyMaxLag;
    const result = await this.run(res, [
      () => this.indicators.store(snapshot),
      () => this.indicators.readModels(snapshot),
      () => this.indicators.projections(snapshot, maxLag, true),
      () => this.indicators.loops(snapshot),
    ]);
    return { ...(result as HealthResponseDto), at: snapshot.at, eventLoop: snapshot.eventLoop };
  }

  /** Terminus throws 503 with the result; answered here so the body keeps every indicator. */
  private async run(
    res: FastifyReply,
    indicators: Parameters<HealthCheckService['check']>[0],
  ): Promise<HealthCheckResult> {
    try {
      return await this.checks.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
