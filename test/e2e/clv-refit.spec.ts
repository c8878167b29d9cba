import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomerQueries, lastEventDay, refitClvModels, seedStore } from '@aftercare/application';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { clvModelProjection, customerProfileProjection, projections } from '@aftercare/projections';
import { ProjectionEngine, SqliteReadModelStore } from '@aftercare/read-models';

/** A seeded world sells in EUR, GBP and USD and ended on 2023-12-31, long before "now". */
describe('clv refit', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-refit-'));
    store = SqliteEventStore.open({ path: join(dir, 'store.db'), synchronous: 'normal' });
    await seedStore(store, { customers: 400, seed: 'refit', from: '2021-01-01', to: '2024-01-01' });
  }, 120_000);

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fits each currency's customers apart, up to the store's last event by default", async () => {
    const now = '2026-06-01T12:00:00.000Z';
    expect(await lastEventDay(store, now)).toMatch(/^2023-12-/);
    const { fits, skipped } = await refitClvModels(store, { now, horizonWeeks: 26 });
    const currencies = [...fits.map((f) => f.currency), ...skipped.map((s) => s.currency)];
    expect(currencies.sort()).toEqual(['EUR', 'GBP', 'USD']);
    for (const fit of fits) {
      expect(fit.window.to).toMatch(/^2023-12-/);
      expect(fit.occurredAt).toBe(`${fit.window.to}T23:59:59.999Z`);
    }
    // Every customer counted once, in the currency of their purchases.
    expect(new Set(fits.map((f) => f.fitId)).size).toBe(fits.length);

    // A customer's view uses the fit of their own currency.
    const readModels = SqliteReadModelStore.open({ path: join(dir, 'store.db') });
    const engine = new ProjectionEngine({ store, readModels, projections });
    await engine.start();
    try {
      const head = (await store.headPosition())!;
      for (const name of [clvModelProjection.name, customerProfileProjection.name]) {
        await engine.waitForCheckpoint(name, head, 30_000).catch(() => undefined);
      }
      const queries = new CustomerQueries(store, readModels, () => new Date(now));
      const usd = fits.find((f) => f.currency === 'USD');
      if (usd) {
        const profiles = (await queries.allProfiles()).slice(0, 400);
        let checked = 0;
        for (const { customerId } of profiles) {
          const view = await queries.profile(customerId);
          const bought = Object.keys(view.purchases.revenueByCurrency);
          if (bought.length !== 1 || bought[0] !== 'USD' || !view.churnRisk) continue;
          expect(view.churnRisk.weightsFitId ?? usd.fitId).toBe(usd.fitId);
          checked++;
        }
        expect(checked).toBeGreaterThan(0);
      }
    } finally {
      await engine.stop();
      await readModels.close();
    }
  }, 120_000);
});
