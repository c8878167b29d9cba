import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { seedStore } from '@aftercare/application';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { projections } from '@aftercare/projections';
import { SqliteReadModelStore } from '@aftercare/read-models';
import { buildProgram } from '../../apps/cli/src/program';

/** The CLI never answers from read models behind the store without saying so. */
describe('CLI commands that read read models', () => {
  let dir: string;
  let path: string;
  const saved = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-cli-fresh-'));
    path = join(dir, 'store.db');
    const store = SqliteEventStore.open({ path, synchronous: 'normal' });
    await seedStore(store, { customers: 40, seed: 'fresh' });
    await store.close();
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = path;
    delete process.env.AFTERCARE_READ_MODELS;
    delete process.env.AFTERCARE_READ_MODEL_PATH;
  }, 60_000);

  afterAll(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  async function exportCustomers(...extra: string[]): Promise<{ stderr: string; rows: number }> {
    const out = join(dir, `customers-${randomUUID()}.ndjson`);
    const stderr: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => {
      stderr.push(line);
    });
    try {
      await buildProgram().parseAsync(
        ['export', 'customers', '--out', out, '--no-progress', ...extra],
        { from: 'user' },
      );
    } finally {
      spy.mockRestore();
    }
    const rows = readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).length;
    return { stderr: stderr.join('\n'), rows };
  }

  it('catch up first when nothing else runs the projections, and say checkpoint, head and lag', async () => {
    const { stderr, rows } = await exportCustomers();
    expect(rows).toBe(40);
    expect(stderr).toMatch(
      /read models: checkpoint \d+, head \d+, lag [1-9]\d* events: catching up/,
    );
    expect(stderr).toMatch(/read models: checkpoint (\d+), head \1, lag 0 events/);
  });

  it('refuse while a running API or projector is catching them up, unless --allow-stale', async () => {
    // Another live instance holds the customer profile's lease, and a new customer arrives.
    const readModels = SqliteReadModelStore.open({ path });
    for (const projection of projections) await readModels.register(projection);
    expect(await readModels.acquireLease('customer_profile', 'api:elsewhere', 60_000)).toBe(true);
    const store = SqliteEventStore.open({ path });
    await appendCustomer(store);
    await store.close();
    try {
      await expect(exportCustomers('--wait', '0.5')).rejects.toThrow(
        /lag [1-9]\d* events: customer_profile still being caught up by a running API or projector after 0.5 s.*--allow-stale/,
      );
      const stale = await exportCustomers('--allow-stale');
      expect(stale.stderr).toMatch(/lag [1-9]\d* events: STALE, answering as they are/);
      expect(stale.rows).toBe(40);
    } finally {
      await readModels.releaseLease('customer_profile', 'api:elsewhere');
      await readModels.close();
    }
  });

  it('answer the audit report from the warranty decisions read model, caught up first', async () => {
    const store = SqliteEventStore.open({ path });
    const decided = new Set<string>();
    for await (const event of store.readAll({
      filter: { categories: ['warranty'], eventTypePrefixes: ['WarrantyClaimDecided'] },
    })) {
      decided.add((event.data as { claimId: string }).claimId);
    }
    await appendCustomer(store);
    await store.close();
    expect(decided.size).toBeGreaterThan(0);
    const stderr: string[] = [];
    const stdout: string[] = [];
    const err = jest.spyOn(console, 'error').mockImplementation((line: string) => {
      stderr.push(line);
    });
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => {
      stdout.push(line);
    });
    try {
      await buildProgram().parseAsync(
        ['audit', 'report', '--from', '2000-01-01', '--to', '2100-01-01', '--no-progress'],
        { from: 'user' },
      );
    } finally {
      err.mockRestore();
      log.mockRestore();
    }
    expect(stderr.join('\n')).toMatch(/lag [1-9]\d* events: catching up first/);
    const report = JSON.parse(stdout.join('\n'));
    // Every decided claim of the store, each once, counted by the engine and after overrides.
    expect(report.decisions).toBe(decided.size);
    expect(report.byEngine.approved + report.byEngine.rejected).toBeLessThanOrEqual(decided.size);
    expect(report.costs.reduce((n: number, c: { claims: number }) => n + c.claims, 0)).toBe(
      decided.size,
    );
  });
});

async function appendCustomer(store: SqliteEventStore): Promise<void> {
  const id = randomUUID();
  await store.appendToStream(`customer-${id}`, [
    {
      id: randomUUID(),
      type: 'CustomerRegistered',
      data: {
        customerId: id,
        occurredAt: '2024-01-01T00:00:00.000Z',
        jurisdiction: 'EU',
        countryCode: 'DE',
        segment: 'consumer',
        signupChannel: 'online',
      },
      metadata: { schemaVersion: 1 },
    },
  ]);
}
