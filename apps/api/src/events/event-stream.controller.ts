import {
  BadRequestException,
  Controller,
  Get,
  Headers,
  Inject,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  AFTERCARE_CONFIG,
  type AftercareConfig,
  EventFeed,
  type FeedQuery,
  readerOf,
  Roles,
  wireEvent,
} from '@aftercare/application';
import type { RecordedEvent } from '@aftercare/event-store';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { drainedOrClosed } from './drained-or-closed';
import { EventStreamQueryDto } from './event-stream.query.dto';
import { RecordsAccess } from '../auth/records-access.decorator';

/**
 * Server-Sent Events of recorded events in global order. Each SSE `id` is the event's global
 * position, so a client reconnecting with `Last-Event-ID` resumes exactly after the last event it
 * saw. Back-pressure: the next event is pulled from the store only once the socket has drained.
 */
@ApiTags('events')
@ApiProblems(400, ...COMMON_PROBLEMS)
@Controller('v1/events')
export class EventStreamController {
  private readonly heartbeatMs: number;

  constructor(
    private readonly feed: EventFeed,
    @Inject(AFTERCARE_CONFIG) config: AftercareConfig,
  ) {
    this.heartbeatMs = config.sseHeartbeatMs;
  }

  @Roles('service')
  @RecordsAccess('events.stream')
  @Get('stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this position' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'Server-Sent Events: one frame per recorded event (id = global position, event = type, data = the event as JSON), a caught-up frame once history is sent, heartbeat comments',
    content: {
      'text/event-stream': {
        schema: { type: 'string' },
        example:
          'id: 42\nevent: ComplaintFiled\ndata: {"id":"…","type":"ComplaintFiled","streamId":"customer-ada","position":"42","data":{…}}\n\n',
      },
    },
  })
  async stream(
    @Query() query: EventStreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const from = parseFrom(lastEventId, query.from);
    const cursor = this.feed.open({
      from,
      categories: query.category,
      typePrefixes: query.type,
      customerId: query.customerId,
      reader: readerOf(request),
    });
    // The stream is written to the socket directly; the headers set on the reply so far (rate
    // limits, CORS) go out with it.
    reply.hijack();
    const req = request.raw;
    const res = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) res.setHeader(name, value);
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': aftercare event stream\n\n');

    let closed = false;
    const close = (): void => {
      closed = true;
      clearInterval(heartbeat);
      void cursor.close();
    };
    req.on('close', close);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), this.heartbeatMs);

    try {
      for await (const message of cursor) {
        if (closed) break;
        const frame =
          message.kind === 'event' ? eventFrame(message.event) : 'event: caught-up\ndata: {}\n\n';
        if (!res.write(frame)) await drainedOrClosed(res, req);
      }
    } finally {
      close();
      res.end();
    }
  }
}

function parseFrom(lastEventId: string | undefined, from: string | undefined): FeedQuery['from'] {
  if (lastEventId !== undefined && lastEventId.trim() !== '') {
    if (!/^\d{1,19}$/.test(lastEventId.trim())) {
      throw new BadRequestException(`Last-Event-ID '${lastEventId}' is not a global position`);
    }
    return BigInt(lastEventId.trim());
  }
  if (from === undefined || from === 'start') return 'start';
  if (from === 'end') return 'end';
  return BigInt(from);
}

function eventFrame(event: RecordedEvent): string {
  return `id: ${event.position}\nevent: ${event.type}\ndata: ${wireEvent(event)}\n\n`;
}
