import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { EventStore, StoreHealth } from '@aftercare/event-store';
import { EVENT_STORE } from '@aftercare/application';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @ApiOkResponse({ description: 'The store is reachable' })
  @ApiServiceUnavailableResponse({ description: 'The store is not reachable' })
  async health(
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ status: string; store: StoreHealth }> {
    const store = await this.store.health();
    res.status(store.reachable ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: store.reachable ? 'ok' : 'unavailable', store };
  }
}
