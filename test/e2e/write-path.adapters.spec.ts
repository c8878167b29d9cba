import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, EventBus, ofType } from '@nestjs/cqrs';
import { Client } from 'pg';
import {
  ConcurrencyConflict,
  CustomerCommandEnvelope,
  IdempotencyKeyReused,
  EVENT_STORE,
  EventStored,
  WriteApplicationModule,
  type CommandContext,
  type CommandResult,
} from '@aftercare/application';
import { DomainError, type CustomerCommand } from '@aftercare/domain';
import {
  WrongExpectedVersionError,
  type EventStore,
  type RecordedEvent,
} from '@aftercare/event-store';
import { EventStoreDbEventStore } from '@aftercare/event-store/eventstoredb';
import { PostgresEventStore } from '@aftercare/event-store/postgres';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { startEsdbTestServer } from '../support/esdb-test-server/esdb-test-server';

/**
 * The write path's guarantees on every adapter: a retried command records nothing twice, and
 * concurrent commands on one stream are re-decided on the fresh state (or refused by the domain).
 */
interface Adapter {
  name: string;
  open(): Promise<{ store: EventStore; dispose(): Promise<void> } | undefined>;
}

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const adapters: Adapter[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'aftercare-write-path-'));
      const store = await SqliteEventStore.open({ path: join(dir, 'events.db') });
      return { store, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = `write_path_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
      let store: PostgresEventStore;
      try {
        store = await PostgresEventStore.connect({ connectionString: DATABASE_URL, schema });
      } catch (error) {
        if (process.env.CI === 'true') throw error;
        console.warn(`Skipping the postgres write-path tests: ${(error as Error).message}`);
        return undefined;
      }
      return {
        store,
        dispose: async () => {
          const client = new Client({ connectionString: DATABASE_URL });
          await client.connect();
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await client.end();
        },
      };
    },
  },
  {
    name: 'eventstoredb (protocol test server)',
    async open() {
      const server = await startEsdbTestServer();
      const store = await EventStoreDbEventStore.connect({
        connectionString: server.connectionString,
      });
      return { store, dispose: () => server.stop() };
    },
  },
];

/**
 * Holds the next `parties` appends until all of them have arrived, so that every writer has read
 * the same revision before anyone appends: a collision on demand, not by luck.
 */
function withAppendBarrier(
  store: EventStore,
  parties: number,
): { store: EventStore; conflicts: () => number } {
  let waiting: (() => void)[] = [];
  let armed = true;
  let conflicts = 0;
  const append: EventStore['appendToStream'] = async (streamId, events, options) => {
    if (armed) {
      await new Promise<void>((release) => {
        waiting.push(release);
        if (waiting.length === parties) {
          armed = false;
          waiting.forEach((go) => go());
          waiting = [];
        }
      });
    }
    try {
      return await store.appendToStream(streamId, events, options);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) conflicts++;
      throw error;
    }
  };
  return { store: overriding(store, { appendToStream: append }), conflicts: () => conflicts };
}

/** The store with some methods replaced; everything else goes to the real one. */
function overriding(store: EventStore, methods: Partial<EventStore>): EventStore {
  return new Proxy(store, {
    get(target, key) {
      if (Object.prototype.hasOwnProperty.call(methods, key)) {
        return methods[key as keyof EventStore];
      }
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

async function writeApp(store: EventStore): Promise<INestApplicationContext> {
  const moduleRef = await Test.createTestingModule({ imports: [WriteApplicationModule] })
    .overrideProvider(EVENT_STORE)
    // The store belongs to the test: closing the application context must not close it.
    .useValue(overriding(store, { close: async () => undefined }))
    .compile();
  return moduleRef.init();
}

async function readStream(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(streamId)) events.push(event);
  return events;
}

const at = (day: number): string => new Date(Date.UTC(2025, 0, day, 9)).toISOString();

function register(customerId: string): CustomerCommand {
  return {
    type: 'RegisterCustomer',
    data: {
      customerId,
      occurredAt: at(1),
      pii: { name: 'Grace Hopper', email: 'grace@example.com' },
      jurisdiction: 'US',
      countryCode: 'US',
      segment: 'consumer',
      signupChannel: 'store',
    },
  };
}

function fileComplaint(customerId: string, complaintId: string): CustomerCommand {
  return {
    type: 'FileComplaint',
    data: {
      customerId,
      occurredAt: at(2),
      complaintId,
      category: 'service',
      severity: 'medium',
      channel: 'email',
      remedySought: 'explanation',
    },
  };
}

const ctx = (commandId: string = randomUUID()): CommandContext => ({ commandId, actor: 'test' });

describe.each(adapters)('write path on $name', (adapter) => {
  let opened: { store: EventStore; dispose(): Promise<void> } | undefined;

  beforeAll(async () => {
    opened = await adapter.open();
  });

  afterAll(async () => {
    await opened?.store.close();
    await opened?.dispose();
  });

  async function withApp<T>(
    store: EventStore,
    run: (bus: CommandBus, events: EventBus) => Promise<T>,
  ): Promise<T> {
    const app = await writeApp(store);
    try {
      return await run(app.get(CommandBus), app.get(EventBus));
    } finally {
      await app.close();
    }
  }

  /**
   * Two write applications on one store, like two API processes: commands on one stream queue
   * inside a process, so a race between writers needs two of them.
   */
  async function withTwoApps<T>(
    store: EventStore,
    run: (first: CommandBus, second: CommandBus) => Promise<T>,
  ): Promise<T> {
    const [one, two] = await Promise.all([writeApp(store), writeApp(store)]);
    try {
      return await run(one.get(CommandBus), two.get(CommandBus));
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  }

  it('records a retried command once, even after the stream moved on', async () => {
    if (!opened) return;
    const { store } = opened;
    const customerId = `retry-${randomUUID()}`;
    const published: string[] = [];
    await withApp(store, async (bus, eventBus) => {
      eventBus.pipe(ofType(EventStored)).subscribe(({ event }) => published.push(event.id));
      await bus.execute(new CustomerCommandEnvelope(register(customerId), ctx()));
      const command = new CustomerCommandEnvelope(
        fileComplaint(customerId, 'c-1'),
        ctx('cmd-retry-1'),
      );
      const first: CommandResult = await bus.execute(command);
      await bus.execute(new CustomerCommandEnvelope(fileComplaint(customerId, 'c-2'), ctx()));
      const [again, concurrently] = await Promise.all([bus.execute(command), bus.execute(command)]);
      for (const retry of [again, concurrently]) {
        expect(retry).toMatchObject({
          eventIds: first.eventIds,
          revision: first.revision,
          position: first.position,
          replayed: true,
        });
      }
    });
    const events = await readStream(store, `customer-${customerId}`);
    expect(events.map((e) => e.type)).toEqual([
      'CustomerRegistered',
      'ComplaintFiled',
      'ComplaintFiled',
    ]);
    // Published in process: exactly what was stored, once; the retries publish nothing.
    expect(published).toEqual(events.map((e) => e.id));
  });

  it('re-decides concurrent commands on one customer so both succeed', async () => {
    if (!opened) return;
    const customerId = `concurrent-${randomUUID()}`;
    await withApp(opened.store, (bus) =>
      bus.execute(new CustomerCommandEnvelope(register(customerId), ctx())),
    );
    const barrier = withAppendBarrier(opened.store, 2);
    const results = await withTwoApps(barrier.store, (one, two) =>
      Promise.all([
        one.execute(new CustomerCommandEnvelope(fileComplaint(customerId, 'a'), ctx())),
        two.execute(new CustomerCommandEnvelope(fileComplaint(customerId, 'b'), ctx())),
      ]),
    );
    expect(barrier.conflicts()).toBeGreaterThanOrEqual(1);
    expect(results.map((r) => r.revision).sort()).toEqual(['1', '2']);
    const events = await readStream(opened.store, `customer-${customerId}`);
    expect(events.map((e) => e.type)).toEqual([
      'CustomerRegistered',
      'ComplaintFiled',
      'ComplaintFiled',
    ]);
  });

  it('refuses one command id raced from two processes with different requests', async () => {
    if (!opened) return;
    const customerId = `reused-${randomUUID()}`;
    await withApp(opened.store, (bus) =>
      bus.execute(new CustomerCommandEnvelope(register(customerId), ctx())),
    );
    // Both processes load the stream before either appends: the loser's ids are already stored.
    const barrier = withAppendBarrier(opened.store, 2);
    const outcomes = await withTwoApps(barrier.store, (one, two) =>
      Promise.allSettled([
        one.execute(new CustomerCommandEnvelope(fileComplaint(customerId, 'a'), ctx('key-1'))),
        two.execute(new CustomerCommandEnvelope(fileComplaint(customerId, 'b'), ctx('key-1'))),
      ]),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(IdempotencyKeyReused);
    const events = await readStream(opened.store, `customer-${customerId}`);
    expect(events.map((e) => e.type)).toEqual(['CustomerRegistered', 'ComplaintFiled']);
    expect((won[0] as PromiseFulfilledResult<CommandResult>).value.eventIds).toEqual([
      events[1].id,
    ]);
  });

  it('answers the same command raced from two processes once recorded, once replayed', async () => {
    if (!opened) return;
    const customerId = `twins-${randomUUID()}`;
    await withApp(opened.store, (bus) =>
      bus.execute(new CustomerCommandEnvelope(register(customerId), ctx())),
    );
    const barrier = withAppendBarrier(opened.store, 2);
    const command = fileComplaint(customerId, 'a');
    const results = await withTwoApps(barrier.store, (one, two) =>
      Promise.all([
        one.execute(new CustomerCommandEnvelope(command, ctx('key-2'))),
        two.execute(new CustomerCommandEnvelope(command, ctx('key-2'))),
      ]),
    );
    expect(results[0].eventIds).toEqual(results[1].eventIds);
    expect(results[0].position).toBe(results[1].position);
    // EventStoreDB cannot say whose append it was when both land on the same revision.
    if (opened.store.kind !== 'eventstoredb') {
      expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
    }
    const events = await readStream(opened.store, `customer-${customerId}`);
    expect(events.map((e) => e.type)).toEqual(['CustomerRegistered', 'ComplaintFiled']);
  });

  it('lets the domain refuse the loser of a race when the fresh state says so', async () => {
    if (!opened) return;
    const customerId = `race-${randomUUID()}`;
    await withApp(opened.store, async (bus) => {
      await bus.execute(new CustomerCommandEnvelope(register(customerId), ctx()));
      await bus.execute(new CustomerCommandEnvelope(fileComplaint(customerId, 'c'), ctx()));
    });
    const acknowledge = (agentId: string): CustomerCommand => ({
      type: 'AcknowledgeComplaint',
      data: { customerId, occurredAt: at(3), complaintId: 'c', agentId },
    });
    const barrier = withAppendBarrier(opened.store, 2);
    const outcomes = await withTwoApps(barrier.store, (one, two) =>
      Promise.allSettled([
        one.execute(new CustomerCommandEnvelope(acknowledge('x'), ctx())),
        two.execute(new CustomerCommandEnvelope(acknowledge('y'), ctx())),
      ]),
    );
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const reason = (refused[0] as PromiseRejectedResult).reason as DomainError;
    expect(reason).toBeInstanceOf(DomainError);
    expect(reason.code).toBe('complaint_already_acknowledged');
    const events = await readStream(opened.store, `customer-${customerId}`);
    expect(events.filter((e) => e.type === 'ComplaintAcknowledged')).toHaveLength(1);
  });

  it('gives up with ConcurrencyConflict when the stream never holds still', async () => {
    if (!opened) return;
    const customerId = `busy-${randomUUID()}`;
    const busy = overriding(opened.store, {
      appendToStream: async (streamId, _events, options) => {
        throw new WrongExpectedVersionError(streamId, options?.expectedRevision ?? 'any', 7n);
      },
    });
    await expect(
      withApp(busy, (bus) => bus.execute(new CustomerCommandEnvelope(register(customerId), ctx()))),
    ).rejects.toBeInstanceOf(ConcurrencyConflict);
    expect(await readStream(opened.store, `customer-${customerId}`)).toEqual([]);
  });
});
