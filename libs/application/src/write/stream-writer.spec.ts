import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventBus } from '@nestjs/cqrs';
import type { AftercareEvent } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { IdempotencyKeyReused } from './application.errors';
import type { LoadedStream } from './load-stream';
import { StreamWriter } from './stream-writer';

const STREAM = 'customer-ada';
const noted = (n: number) => ({ type: 'Noted', data: { n } }) as unknown as AftercareEvent;
const numbers = (events: readonly RecordedEvent[]) =>
  events.map((e) => (e.data as { n: number }).n);

/**
 * Two processes writing one stream: each writer holds the streams it wrote lately and decides on
 * its copy without reading; what the other process appended meanwhile must still count.
 */
describe('StreamWriter with another process writing the same stream', () => {
  let dir: string;
  let stores: SqliteEventStore[];
  let here: StreamWriter;
  let there: StreamWriter;
  const bus = { publishAll: () => undefined } as unknown as EventBus;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-writer-'));
    const path = join(dir, 'events.db');
    stores = [SqliteEventStore.open({ path }), SqliteEventStore.open({ path })];
    here = new StreamWriter(stores[0], bus);
    there = new StreamWriter(stores[1], bus);
  });

  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A command that records the number of events it saw, refusing or skipping as told. */
  const write = (
    writer: StreamWriter,
    decide: (stream: LoadedStream) => AftercareEvent[] = (s) => [noted(s.events.length)],
    commandId: string = randomUUID(),
    requestDigest = 'digest',
  ) => writer.write({ streamId: STREAM, context: { commandId }, requestDigest, decide });

  const stored = async () => {
    const events: RecordedEvent[] = [];
    for await (const event of stores[0].readStream(STREAM)) events.push(event);
    return events;
  };

  it('decides on what the other process appended since its last command', async () => {
    await write(here);
    await write(there);
    await write(there);
    const result = await write(here);
    expect(result.revision).toBe('3');
    expect(numbers(await stored())).toEqual([0, 1, 2, 3]);
  });

  it('a refusal on its copy is decided again on the stream as stored', async () => {
    await write(here);
    await write(there, () => [noted(100)]);
    const unlocked = (s: LoadedStream) => {
      if (!numbers(s.events).includes(100)) throw new Error('refused: not unlocked');
      return [noted(200)];
    };
    await expect(write(here, unlocked)).resolves.toMatchObject({ revision: '2' });
    await expect(write(there, () => [])).resolves.toMatchObject({ eventIds: [] });
    await expect(
      write(here, () => {
        throw new Error('refused for good');
      }),
    ).rejects.toThrow('refused for good');
  });

  it('"nothing to record" on its copy is decided again on the stream as stored', async () => {
    await write(here);
    await write(there);
    const second = (s: LoadedStream) => (s.events.length >= 2 ? [noted(9)] : []);
    const result = await write(here, second);
    expect(result.eventIds).toHaveLength(1);
    expect(numbers(await stored())).toEqual([0, 1, 9]);
  });

  it('a command id the other process already ran answers its events, or is refused for another request', async () => {
    await write(here);
    const commandId = randomUUID();
    const first = await write(there, undefined, commandId);
    const again = await write(here, undefined, commandId);
    expect(again).toMatchObject({ replayed: true, eventIds: first.eventIds });
    await expect(write(here, undefined, commandId, 'another request')).rejects.toBeInstanceOf(
      IdempotencyKeyReused,
    );
    expect(numbers(await stored())).toEqual([0, 1]);
  });
});
