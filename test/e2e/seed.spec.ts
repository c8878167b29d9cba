import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  decideCustomer,
  decideWarrantyClaimCommand,
  decideWarrantyPolicy,
  evolveCustomer,
  evolveWarrantyClaim,
  evolveWarrantyPolicy,
  initialCustomerState,
  initialWarrantyClaimState,
  initialWarrantyPolicyState,
  recomputeDecision,
  verifyChain,
} from '@aftercare/domain';
import type {
  AftercareEvent,
  CustomerCommand,
  CustomerEvent,
  CustomerState,
  WarrantyClaimCommand,
  WarrantyClaimDecided,
  WarrantyClaimEvent,
  WarrantyPolicyCommand,
  WarrantyPolicyEvent,
} from '@aftercare/domain';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { registerSeedCommand } from '../../apps/cli/src/commands/seed.command';
import { seedStore, type SeedRun } from '@aftercare/application';
import { type CustomerTruth, generateWorld, type WorldOptions } from '@aftercare/simulation';

const WORLD: Partial<WorldOptions> = {
  customers: 300,
  seed: 'spec',
  from: '2022-01-01',
  to: '2024-07-01',
};

type StoredEvent = Omit<RecordedEvent, 'recordedAt'>;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aftercare-seed-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The store seen through the port alone, as a store without bulk loading (PostgreSQL) is. */
function portOnly(store: SqliteEventStore): EventStore {
  return new Proxy(store, {
    get: (target, key) => {
      if (key === 'appendSerialized') return undefined;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

/** Seeds a fresh SQLite file and reads everything back in global order. */
async function seedAndRead(
  name: string,
  options: Partial<WorldOptions>,
  how: SeedRun & { port?: boolean } = {},
): Promise<{ events: StoredEvent[]; truthPath: string; refusals: number }> {
  const path = join(dir, `${name}.db`);
  const truthPath = join(dir, `${name}.truth.ndjson`);
  const store = SqliteEventStore.open({ path, synchronous: 'normal' });
  try {
    const target = how.port ? portOnly(store) : store;
    const summary = await seedStore(target, options, { ...how, truthPath });
    const events: StoredEvent[] = [];
    for await (const { recordedAt: _recordedAt, ...event } of store.readAll()) events.push(event);
    expect(events).toHaveLength(summary.events);
    return { events, truthPath, refusals: summary.refusals.length };
  } finally {
    await store.close();
  }
}

function byStream(events: readonly StoredEvent[]): Map<string, StoredEvent[]> {
  const streams = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const stream = streams.get(event.streamId) ?? [];
    stream.push(event);
    streams.set(event.streamId, stream);
  }
  return streams;
}

function readTruth(path: string): { header: Record<string, unknown>; customers: CustomerTruth[] } {
  const [header, ...customers] = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { kind: string });
  return { header, customers: customers as unknown as CustomerTruth[] };
}

describe('seed: the simulated world', () => {
  let first: Awaited<ReturnType<typeof seedAndRead>>;

  beforeAll(async () => {
    first = await seedAndRead('first', WORLD);
  });

  it('gives the same history for the same seed: types, data, ids and order', async () => {
    const again = await seedAndRead('again', WORLD);
    expect(first.events.length).toBeGreaterThan(3000);
    expect(again.events).toEqual(first.events);
    expect(readFileSync(again.truthPath, 'utf8')).toBe(readFileSync(first.truthPath, 'utf8'));
  });

  it('gives the same history simulated on worker threads, and appended through the port', async () => {
    const threaded = await seedAndRead('threaded', WORLD, {
      workers: 2,
      workerExecArgv: ['--require', 'tsx/cjs'],
    });
    expect(threaded.events).toEqual(first.events);
    expect(readFileSync(threaded.truthPath, 'utf8')).toBe(readFileSync(first.truthPath, 'utf8'));
    const port = await seedAndRead('port', WORLD, { workers: 0, port: true });
    expect(port.events).toEqual(first.events);
  });

  it('gives a different history for a different seed', async () => {
    const other = await seedAndRead('other', { ...WORLD, seed: 'another' });
    const ids = new Set(first.events.map((e) => e.id));
    expect(other.events.filter((e) => ids.has(e.id))).toHaveLength(0);
    expect(other.events.map((e) => e.type)).not.toEqual(first.events.map((e) => e.type));
  });

  it('records only events the domain accepts: every stream folds, nothing was refused', () => {
    expect(first.refusals).toBe(0);
    const streams = byStream(first.events);
    const categories = new Set([...streams.keys()].map((id) => id.split('-')[0]));
    expect([...categories].sort()).toEqual(['customer', 'warranty', 'warrantyPolicy']);
    for (const [streamId, events] of streams) {
      expect(events.map((e) => Number(e.revision))).toEqual(events.map((_, i) => i));
      const domainEvents = events as unknown as AftercareEvent[];
      if (streamId.startsWith('customer-')) {
        const state = (domainEvents as CustomerEvent[]).reduce(
          evolveCustomer,
          initialCustomerState(),
        );
        expect(state.status).not.toBe('unregistered');
        expect(domainEvents[0].type).toBe('CustomerRegistered');
      } else if (streamId.startsWith('warrantyPolicy-')) {
        const state = (domainEvents as WarrantyPolicyEvent[]).reduce(
          evolveWarrantyPolicy,
          initialWarrantyPolicyState(),
        );
        expect(state.version).toBe(events.length);
      } else {
        (domainEvents as WarrantyClaimEvent[]).reduce(
          evolveWarrantyClaim,
          initialWarrantyClaimState(),
        );
        expect(verifyChain(events)).toMatchObject({ ok: true });
        const decided = domainEvents.find((e) => e.type === 'WarrantyClaimDecided');
        expect(recomputeDecision(decided as WarrantyClaimDecided).matches).toBe(true);
      }
    }
  });

  it('re-deciding the recorded commands on the stored history gives the stored events', () => {
    const streams = byStream(first.events);
    let checked = 0;
    for (const batch of generateWorld({ ...WORLD, recordCommands: true })) {
      if (!batch.commands) continue;
      const stored = streams.get(batch.streamId) ?? [];
      // A sample: every 7th command of each stream, plus its first.
      batch.commands.forEach(({ command, revision, eventCount }, index) => {
        if (index % 7 !== 0) return;
        const before = stored.slice(0, revision) as unknown as AftercareEvent[];
        const expected = stored
          .slice(revision, revision + eventCount)
          .map(({ type, data }) => ({ type, data }));
        expect(redecide(command, before)).toEqual(expected);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('writes the ground truth to its own file, never to the store', () => {
    const { header, customers } = readTruth(first.truthPath);
    expect(header).toMatchObject({
      kind: 'header',
      options: { customers: 300, seed: 'spec', experienceEffect: 1 },
    });
    expect(customers).toHaveLength(300);
    const streams = byStream(first.events);
    for (const truth of customers) {
      expect(streams.has(`customer-${truth.customerId}`)).toBe(true);
      expect(truth.purchaseRatePerYear).toBeGreaterThan(0);
      if (truth.stoppedAt !== null) {
        expect(Date.parse(truth.stoppedAt)).toBeLessThan(Date.parse('2024-07-01'));
      }
    }
    const stopped = customers.filter((c) => c.stoppedAt !== null).length;
    expect(stopped).toBeGreaterThan(30);
    expect(stopped).toBeLessThan(290);
    // With the default effect, experience works mostly as a lasting hazard after the incidents,
    // rarely on the spot.
    const byCause = (cause: CustomerTruth['stopCause']): number =>
      customers.filter((c) => c.stopCause === cause).length;
    expect(byCause('experience')).toBeGreaterThan(byCause('incident'));
    expect(byCause('purchase')).toBeGreaterThan(byCause('experience'));
    const everything = JSON.stringify(first.events.map((e) => [e.data, e.metadata]));
    for (const latent of [
      'purchaseRatePerYear',
      'dropoutProbability',
      'stoppedAt',
      'experienceScore',
    ]) {
      expect(everything).not.toContain(latent);
    }
  });
});

describe('seed command', () => {
  it('runs with --experience-effect 0: no customer leaves because of experience', async () => {
    const path = join(dir, 'command.db');
    const truthPath = join(dir, 'command.truth.ndjson');
    const program = new Command('aftercare').exitOverride();
    registerSeedCommand(program);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await program.parseAsync(
        [
          'seed',
          '--customers',
          '200',
          '--seed',
          '7',
          '--from',
          '2023-01-01',
          '--to',
          '2024-01-01',
          '--experience-effect',
          '0',
          '--store-path',
          path,
          '--truth',
          truthPath,
          '--no-progress',
        ],
        { from: 'user' },
      );
      expect(log.mock.calls.join('\n')).toMatch(/Seeded 200 customers .* events\/s/);
    } finally {
      log.mockRestore();
    }
    const { header, customers } = readTruth(truthPath);
    expect(header).toMatchObject({ options: { experienceEffect: 0, seed: '7' } });
    expect(customers).toHaveLength(200);
    // Neither the lasting hazard of a grievance nor an on-the-spot exit: dropout is pure BG/NBD.
    expect(customers.filter((c) => c.stopCause !== null && c.stopCause !== 'purchase')).toEqual([]);
    const store = SqliteEventStore.open({ path });
    try {
      expect(Number(await store.headPosition())).toBeGreaterThan(1000);
    } finally {
      await store.close();
    }
  });
});

describe('seed command usage errors', () => {
  it('refuses a period that ends before it starts, with exit code 2 and nothing written', async () => {
    const path = join(dir, 'never.db');
    const program = new Command('aftercare').exitOverride().configureOutput({ writeErr: () => {} });
    registerSeedCommand(program);
    const run = program.parseAsync(
      ['seed', '--from', '2024-01-01', '--to', '2023-01-01', '--store-path', path],
      { from: 'user' },
    );
    await expect(run).rejects.toMatchObject({ exitCode: 2 });
    expect(existsSync(path)).toBe(false);
  });
});

function redecide(
  command: CustomerCommand | WarrantyClaimCommand | WarrantyPolicyCommand,
  history: readonly AftercareEvent[],
): { type: string; data: unknown }[] {
  switch (command.type) {
    case 'FileWarrantyClaim':
    case 'AssessWarrantyClaim':
    case 'RefuseWarrantyRemedy':
    case 'OverrideWarrantyDecision':
    case 'FulfilWarrantyClaim':
      return decideWarrantyClaimCommand(
        command,
        (history as WarrantyClaimEvent[]).reduce(evolveWarrantyClaim, initialWarrantyClaimState()),
      );
    case 'PublishWarrantyPolicy':
      return decideWarrantyPolicy(
        command,
        (history as WarrantyPolicyEvent[]).reduce(
          evolveWarrantyPolicy,
          initialWarrantyPolicyState(),
        ),
      );
    default: {
      const state: CustomerState = (history as CustomerEvent[]).reduce(
        evolveCustomer,
        initialCustomerState(),
      );
      return decideCustomer(command, state);
    }
  }
}
