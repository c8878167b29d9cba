import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CustomerListItem,
  CustomerListQueries,
  CustomerQueries,
  CustomerScoreIndexer,
  refitClvModels,
  seedStore,
  ScoreDistributionQueries,
} from '@aftercare/application';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { projections } from '@aftercare/projections';
import {
  customerScoreIndexOf,
  ProjectionEngine,
  SqliteReadModelStore,
} from '@aftercare/read-models';

/**
 * The customer score index on a seeded world: what the list answers equals the customer's own
 * view at the score's "now", a change re-scores the customer, a refit and a new day re-score
 * everyone, and every page of every sort walks all customers once.
 */
describe('customer score index', () => {
  let dir: string;
  let store: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  let engine: ProjectionEngine;
  let indexer: CustomerScoreIndexer;
  let clock = new Date('2024-01-10T12:00:00.000Z');
  const list = () => new CustomerListQueries(customerScoreIndexOf(readModels), () => clock);
  const customers = 250;

  async function settle(): Promise<void> {
    // Every projection has applied every event its filter passes.
    for (let i = 0; ; i++) {
      const views = await engine.status();
      if (views.every((v) => v.lag === 0)) break;
      if (i > 1_500) throw new Error('projections did not catch up');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 1_000 && (await indexer.step()); i++);
  }

  async function walk(query: Parameters<CustomerListQueries['list']>[0]) {
    const items: CustomerListItem[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await list().list({ ...query, cursor });
      items.push(...page.items);
      if (!page.nextCursor) return items;
      cursor = page.nextCursor;
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-scores-'));
    store = SqliteEventStore.open({ path: join(dir, 'store.db'), synchronous: 'normal' });
    await seedStore(store, { customers, seed: 'scores', from: '2021-01-01', to: '2024-01-01' });
    readModels = SqliteReadModelStore.open({ path: join(dir, 'store.db') });
    engine = new ProjectionEngine({ store, readModels, projections, log: () => undefined });
    await engine.start();
    indexer = new CustomerScoreIndexer(store, readModels, { run: false }, undefined, {
      clock: () => clock,
      chunk: 64,
    });
    await settle();
  }, 120_000);

  afterAll(async () => {
    await engine.stop();
    await readModels.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores every customer, without churn risk or CLV before any fit', async () => {
    const page = await list().list({ limit: 500, sort: 'id' });
    expect(page.items).toHaveLength(customers);
    expect(page.scores).toMatchObject({ asOf: clock.toISOString(), state: 'current', fits: [] });
    expect(page.items.every((i) => i.churnRisk === null && i.clv === null)).toBe(true);
  });

  it("after a refit, every row shows the customer's own view at the score's now", async () => {
    await refitClvModels(store, { now: clock.toISOString(), horizonWeeks: 26 });
    await settle();
    const page = await list().list({ limit: 500, sort: 'id' });
    expect(page.scores.state).toBe('current');
    expect(page.scores.fits.map((f) => f.currency).sort()).toEqual(['EUR', 'GBP', 'USD']);
    const queries = new CustomerQueries(store, readModels, () => clock);
    let scored = 0;
    for (const item of page.items.slice(0, 60)) {
      const view = await queries.profile(item.customerId);
      expect(item.scoredAt).toBe(clock.toISOString());
      expect(item.churnRisk?.probability ?? null).toBe(view.churnRisk?.probability ?? null);
      expect(item.churnRisk?.band ?? null).toBe(view.churnRisk?.band ?? null);
      expect(item.clv?.clv ?? null).toBe(view.clv?.clv ?? null);
      expect(item.satisfaction).toBe(view.satisfaction.state);
      if (item.churnRisk && item.clv) {
        expect(item.valueAtRisk).toEqual({
          amount: Math.round(item.churnRisk.probability * item.clv.clv * 100) / 100,
          currency: item.clv.currency,
        });
        scored++;
      }
    }
    expect(scored).toBeGreaterThan(0);
  });

  it('walks every customer once by value at risk, highest first, the unscored last', async () => {
    const items = await walk({ sort: 'valueAtRisk', limit: 17 });
    expect(items.map((i) => i.customerId).sort()).toEqual(
      (await walk({ sort: 'id', limit: 500 })).map((i) => i.customerId),
    );
    const amounts = items.map((i) => i.valueAtRisk?.amount ?? null);
    const firstNull = amounts.indexOf(null);
    const ranked = (firstNull < 0 ? amounts : amounts.slice(0, firstNull)) as number[];
    expect(ranked.length).toBeGreaterThan(0);
    expect(ranked).toEqual([...ranked].sort((a, b) => b - a));
    if (firstNull >= 0) expect(amounts.slice(firstNull).every((a) => a === null)).toBe(true);

    const high = await walk({ churnBand: 'high', sort: 'churnRisk', order: 'asc', limit: 7 });
    expect(high.every((i) => i.churnRisk?.band === 'high')).toBe(true);
    const risks = high.map((i) => i.churnRisk!.probability);
    expect(risks).toEqual([...risks].sort((a, b) => a - b));
  });

  it('sums churn bands and bins CLVs over every scored customer, per currency', async () => {
    const items = await walk({ sort: 'id', limit: 500 });
    const views = new ScoreDistributionQueries(customerScoreIndexOf(readModels));
    const { bands } = await views.churnBands();
    expect(bands.map((b) => b.band)).toEqual(['low', 'medium', 'high', 'unscored']);
    for (const band of bands) {
      const members = items.filter((i) => (i.churnRisk?.band ?? 'unscored') === band.band);
      expect(band.customers).toBe(members.length);
      for (const { currency, amount, customers } of band.valueAtRisk) {
        const held = members.filter((i) => i.valueAtRisk?.currency === currency);
        expect(customers).toBe(held.length);
        expect(amount).toBeCloseTo(
          held.reduce((sum, i) => sum + i.valueAtRisk!.amount, 0),
          1,
        );
      }
    }
    expect(bands.some((b) => b.band !== 'unscored' && b.customers > 0)).toBe(true);
    const { currencies } = await views.clvDistribution();
    expect(currencies.map((c) => c.currency)).toEqual(
      [...new Set(items.flatMap((i) => (i.clv ? [i.clv.currency] : [])))].sort(),
    );
    expect(currencies.length).toBeGreaterThan(0);
    for (const histogram of currencies) {
      const clvs = items
        .filter((i) => i.clv?.currency === histogram.currency)
        .map((i) => i.clv!.clv);
      expect(histogram.count).toBe(clvs.length);
      expect(histogram.bins.reduce((n, b) => n + b.count, 0)).toBe(clvs.length);
      for (const bin of histogram.bins) {
        const inside = clvs.filter((v) => v >= bin.from && (bin.to === null || v < bin.to));
        expect(bin.count).toBe(inside.length);
      }
    }
    const [first] = currencies;
    expect((await views.clvDistribution(first.currency)).currencies.map((c) => c.currency)).toEqual(
      [first.currency],
    );
  });

  it('re-scores a customer as soon as their read models change', async () => {
    const [before] = (await list().list({ limit: 1, sort: 'id' })).items;
    clock = new Date('2024-01-10T15:00:00.000Z');
    await store.appendToStream(`customer-${before.customerId}`, [
      {
        id: randomUUID(),
        type: 'ComplaintFiled',
        data: {
          customerId: before.customerId,
          occurredAt: '2024-01-10T14:00:00.000Z',
          complaintId: `k-${randomUUID()}`,
          category: 'delivery',
          severity: 'high',
          channel: 'email',
          remedySought: 'apology',
        },
        metadata: { schemaVersion: 1 },
      },
    ]);
    await settle();
    const [after] = (await list().list({ limit: 1, sort: 'id' })).items;
    expect(after.customerId).toBe(before.customerId);
    expect(after.openComplaints).toBe(before.openComplaints + 1);
    expect(after.lastInteractionAt).toBe('2024-01-10T14:00:00.000Z');
    expect(after.scoredAt).toBe('2024-01-10T15:00:00.000Z');
    const recent = await walk({ lastInteractionAfter: '2024-01-10', sort: 'lastInteraction' });
    expect(recent.map((i) => i.customerId)).toEqual([before.customerId]);
  });

  it('scores everyone again on a new day', async () => {
    clock = new Date('2024-01-11T00:00:05.000Z');
    await settle();
    const page = await list().list({ limit: 500 });
    expect(page.scores).toMatchObject({ asOf: clock.toISOString(), state: 'current' });
    expect(page.items.every((i) => i.scoredAt === clock.toISOString())).toBe(true);
  });
});
