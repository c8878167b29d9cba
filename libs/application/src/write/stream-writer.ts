import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { schemaVersionOf, type AftercareEvent } from '@aftercare/domain';
import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@aftercare/event-store';
import { EVENT_STORE } from '../store/event-store.module';
import { ConcurrencyConflict, IdempotencyKeyReused } from './application.errors';
import type { CommandContext } from './command-context';
import type { CommandResult } from './command-result';
import { CommandEventIds } from './event-ids';
import { upcastRecorded, type LoadedStream } from './load-stream';
import { LoadedStreams } from './loaded-streams';
import { EventStored } from './event-stored.event';
import { KeyedMutex } from './keyed-mutex';

export interface StreamWrite {
  streamId: string;
  context: CommandContext;
  /** Digest of the request that carried the command (see CommandContext.requestDigest). */
  requestDigest: string;
  /**
   * Decides on the freshly loaded stream. Called again after a concurrent write, so it must read
   * whatever else it needs (other streams) itself. Throws DomainError to refuse.
   */
  decide(stream: LoadedStream): Promise<readonly AftercareEvent[]> | readonly AftercareEvent[];
  /** Last touch before the append, e.g. hash-chaining the batch to the stream's last event. */
  seal?(events: EventToAppend[], stream: LoadedStream): EventToAppend[];
}

/**
 * How many times a command is decided before giving up on a busy stream. Commands on one stream
 * in this process take turns, so only writers in other processes make an attempt fail.
 */
export const MAX_DECIDE_ATTEMPTS = 8;

/**
 * The one write loop every aggregate's handler uses: load the stream, answer a retried command
 * from what it stored, decide, append at the revision read, re-decide on a concurrent write,
 * then publish exactly what was stored.
 */
@Injectable()
export class StreamWriter {
  /** One command per stream at a time in this process: they queue instead of colliding. */
  private readonly streams = new KeyedMutex();
  /** Streams read lately: a command reads only what was appended since the last one. */
  private readonly loaded = new LoadedStreams();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly eventBus: EventBus,
  ) {}

  write(request: StreamWrite): Promise<CommandResult> {
    return this.streams.run(request.streamId, () => this.decideAndAppend(request));
  }

  private async decideAndAppend(request: StreamWrite): Promise<CommandResult> {
    const { streamId, context } = request;
    // The first attempt decides on the copy of the stream this process holds, without reading:
    // the store refuses an append at a revision someone else went past. What the store does not
    // check (a refusal, nothing to record) is decided again on a fresh read.
    const ids = new CommandEventIds(context.commandId);
    let trustHeld = true;
    for (let attempt = 1; attempt <= MAX_DECIDE_ATTEMPTS; attempt++) {
      const held = trustHeld ? this.loaded.held(streamId) : undefined;
      trustHeld = false;
      const stream = held ?? (await this.loaded.load(this.store, streamId));
      const earlier = earlierRun(stream.events, ids, request.requestDigest, stream.indexOf);
      if (earlier) return earlier;

      let decided: readonly AftercareEvent[];
      try {
        decided = await request.decide(stream);
      } catch (error) {
        if (held) {
          attempt--;
          continue;
        }
        throw error;
      }
      if (decided.length === 0) {
        if (held) {
          attempt--;
          continue;
        }
        return unchanged(stream);
      }

      let events = decided.map((event, index): EventToAppend => ({
        id: ids.at(index),
        type: event.type,
        data: event.data,
        metadata: metadataFor(event, context, request.requestDigest),
      }));
      if (request.seal) events = request.seal(events, stream);

      let appended: AppendResult;
      try {
        appended = await this.store.appendToStream(streamId, events, {
          expectedRevision: stream.expectedRevision,
        });
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // A held copy that fell behind is no collision with a writer of this process: read, again.
        if (held) attempt--;
        else if (attempt < MAX_DECIDE_ATTEMPTS) await sleep(backoffMs(attempt));
        continue;
      }
      const stored = appended.events.map(upcastRecorded);
      // The ids derive from the command id alone, so the store answers an append whose ids are
      // already there with what is stored: another run of this command id (in another process)
      // got there first, perhaps with a different request. Only our own append is news.
      const other = earlierRun(stored, ids, request.requestDigest);
      // Where the store cannot say which, events that did not land where ours would have are not ours.
      const theirs = appended.alreadyStored ?? stored[0].revision !== (stream.revision ?? -1n) + 1n;
      if (other && theirs) return other;
      this.loaded.appended(streamId, stored);
      this.eventBus.publishAll(stored.map((event) => new EventStored(event)));
      return {
        streamId,
        eventIds: stored.map((event) => event.id),
        revision: appended.nextExpectedRevision.toString(),
        position: appended.position.toString(),
        replayed: false,
        events: stored,
      };
    }
    throw new ConcurrencyConflict(streamId, MAX_DECIDE_ATTEMPTS);
  }
}

function metadataFor(
  event: AftercareEvent,
  context: CommandContext,
  requestDigest: string,
): EventMetadata {
  return {
    schemaVersion: schemaVersionOf(event.type),
    correlationId: context.correlationId ?? context.commandId,
    causationId: context.commandId,
    actor: context.actor ?? 'api',
    ...(context.onBehalfOf === undefined ? {} : { onBehalfOf: context.onBehalfOf }),
    commandId: context.commandId,
    requestDigest,
  };
}

/**
 * The stored answer when this command id already wrote to the stream: its events carry the ids
 * derived from the command id, appended together in one batch. The same id with a different
 * request is refused.
 */
function earlierRun(
  events: readonly RecordedEvent[],
  ids: CommandEventIds,
  digest: string,
  indexOf = (id: string) => events.findIndex((event) => event.id === id),
): CommandResult | undefined {
  const start = indexOf(ids.at(0));
  if (start < 0) return undefined;
  const first = events[start];
  const storedDigest = first.metadata.requestDigest;
  if (typeof storedDigest === 'string' && storedDigest !== digest) {
    throw new IdempotencyKeyReused(ids.commandId, first.streamId);
  }
  const run: RecordedEvent[] = [];
  for (let i = start; i < events.length; i++) {
    if (events[i].id !== ids.at(i - start)) break;
    run.push(events[i]);
  }
  const last = run[run.length - 1];
  return {
    streamId: first.streamId,
    eventIds: run.map((event) => event.id),
    revision: last.revision.toString(),
    position: last.position.toString(),
    replayed: true,
    events: run,
  };
}

function unchanged(stream: LoadedStream): CommandResult {
  const last = stream.events.at(-1);
  return {
    streamId: stream.streamId,
    eventIds: [],
    revision: (last?.revision ?? -1n).toString(),
    position: (last?.position ?? -1n).toString(),
    replayed: false,
    events: [],
  };
}

/**
 * Full-jitter exponential backoff, capped: writers in different processes that collided spread
 * out instead of colliding again in step, and no wait exceeds a quarter of a second.
 */
function backoffMs(attempt: number): number {
  return Math.round(Math.random() * Math.min(250, 5 * 2 ** attempt));
}
