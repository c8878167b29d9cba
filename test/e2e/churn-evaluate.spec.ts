import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  customerView,
  evaluateChurn,
  formatChurnEvaluation,
  refitClvModel,
  seedStore,
} from '@aftercare/application';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { type CustomerChurnStates, foldChurnStates } from '@aftercare/projections';
import type { CustomerTruth, WorldOptions } from '@aftercare/simulation';

// Each evaluation replays the world, cross-validates eleven factor structures and fits each on the
// whole training set: seconds alone, more on a machine shared with other suites.
jest.setTimeout(120_000);

const WORLD: Partial<WorldOptions> = {
  customers: 400,
  seed: 'churn-spec',
  from: '2022-01-01T00:00:00.000Z',
  to: '2024-07-01T00:00:00.000Z',
};

let dir: string;
let store: SqliteEventStore;
let truthPath: string;
let truth: CustomerTruth[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aftercare-churn-'));
  truthPath = join(dir, 'truth.ndjson');
  store = SqliteEventStore.open({ path: join(dir, 'world.db'), synchronous: 'normal' });
  await seedStore(store, WORLD, { truthPath });
  truth = readFileSync(truthPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CustomerTruth & { kind: string })
    .filter((record) => record.kind === 'customer');
}, 60_000);

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('churn evaluate', () => {
  it('reports AUCs in [0, 1], Brier scores in [0, 1] and a lift that is their difference', async () => {
    const e = await evaluateChurn(store, truthPath, { horizonWeeks: 26 });
    for (const s of [e.primary, e.allBuyers]) {
      for (const v of [s.aucChurnRisk, s.aucProbabilityAlive]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      for (const v of [s.brierChurnRisk, s.brierProbabilityAlive, s.brierBaseRate]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      expect(s.lift).toBeCloseTo(s.aucChurnRisk - s.aucProbabilityAlive, 12);
      expect(s.liftStandardError).toBeGreaterThanOrEqual(0);
      // Predicting the base rate never does worse than a constant 0.5 (Brier 0.25).
      expect(s.brierBaseRate).toBeLessThanOrEqual(0.25);
    }
    const text = formatChurnEvaluation(e);
    // AUC of churn risk first, then of probability alive alone, then the Brier scores.
    const order = ['AUC churn risk', 'AUC probability alive alone', 'Brier churn risk'].map((s) =>
      text.indexOf(s),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('counts the population and the labels as the truth file says', async () => {
    const e = await evaluateChurn(store, truthPath, { horizonWeeks: 26 });
    const cutoffMs = Date.parse(e.cutoff);
    const endMs = Date.parse(e.end);
    expect(endMs - cutoffMs).toBe(26 * 7 * 86_400_000);
    expect(e.truthCustomers).toBe(truth.length);
    // Buyers by the cut-off: the truth's first purchase cannot be seen, but a buyer's last
    // purchase by the cut-off can: every truth customer who bought and whose purchases all fell
    // before the cut-off is in; nobody is in who signed up after it.
    const signedUpBefore = truth.filter((t) => Date.parse(t.signedUpAt) <= cutoffMs).length;
    expect(e.population.buyersByCutoff).toBeLessThanOrEqual(signedUpBefore);
    const boughtOnlyBefore = truth.filter(
      (t) => t.lastPurchaseAt !== null && Date.parse(t.lastPurchaseAt) <= cutoffMs,
    ).length;
    expect(e.population.buyersByCutoff).toBeGreaterThanOrEqual(boughtOnlyBefore * 0.98);
    expect(e.population.scored + e.population.goneBeforeCutoff).toBe(e.population.buyersByCutoff);
    expect(e.labels.stoppedInWindow + e.labels.stillBuying).toBe(e.population.scored);
    expect(e.primary.customers).toBe(e.population.scored);
    expect(e.primary.positives).toBe(e.labels.stoppedInWindow);
    expect(e.allBuyers.customers).toBe(e.population.buyersByCutoff);
    // Nobody the truth says stopped in the window is missing from the labels.
    const stoppedInWindow = truth.filter((t) => {
      const s = t.stoppedAt === null ? Infinity : Date.parse(t.stoppedAt);
      return s > cutoffMs && s <= endMs && t.lastPurchaseAt !== null;
    }).length;
    expect(e.labels.stoppedInWindow).toBeLessThanOrEqual(stoppedInWindow);
    expect(e.bands.reduce((n, b) => n + b.customers, 0)).toBe(e.population.scored);
  });

  it('learns the experience weights on the horizon before the cut-off, from the store alone', async () => {
    const e = await evaluateChurn(store, truthPath, { horizonWeeks: 26 });
    const { from, to } = e.weights.trainingWindow;
    expect(to).toBe(e.cutoff);
    expect(Date.parse(to) - Date.parse(from)).toBe(26 * 7 * 86_400_000);
    expect(e.weights.source).toBe(e.weights.learned ? 'learned' : 'a_priori');
    const learned = e.weights.learned;
    if (learned) {
      expect(learned.horizonWeeks).toBe(26);
      expect(learned.customers).toBeGreaterThanOrEqual(learned.withoutPurchase);
      for (const [name, w] of Object.entries(learned.weights)) {
        const key = name as keyof typeof learned.weights;
        // A used weight is its estimate when significant, else 0.
        expect(w === 0 || w === learned.estimates[key]).toBe(true);
        expect(e.weights.used[key]).toBe(w);
        expect(learned.standardErrors[key]).toBeGreaterThan(0);
      }
      expect(e.learnedUnfiltered?.customers).toBe(e.population.scored);
    }
    expect(e.aPriori.aucProbabilityAlive).toBe(e.primary.aucProbabilityAlive);
    expect(formatChurnEvaluation(e)).toMatch(/Learned weights: /);
  });

  it('clv refit learns the same way and the customer view names the weights it used', async () => {
    const fit = await refitClvModel(store, {
      now: '2024-07-01T00:00:00.000Z',
      calibrationEnd: '2024-06-30',
      horizonWeeks: 26,
    });
    const learned = fit.churnWeights;
    expect(learned).toBeDefined();
    if (!learned) return;
    expect(learned.trainingWindow.to).toBe(fit.occurredAt);
    expect(Date.parse(learned.trainingWindow.to) - Date.parse(learned.trainingWindow.from)).toBe(
      26 * 7 * 86_400_000,
    );
    expect(learned.horizonWeeks).toBe(26);
    // One estimate per factor of the structure the backtest chose.
    expect(Object.keys(learned.standardErrors).sort()).toEqual(
      [...(learned.structure?.factors ?? [])].sort(),
    );

    const states = new Map<string, CustomerChurnStates>();
    for await (const event of store.readAll({ filter: { categories: ['customer', 'warranty'] } })) {
      foldChurnStates(states, event);
    }
    const buyer = [...states.values()].find((s) => s.profile.purchaseCount > 0);
    expect(buyer).toBeDefined();
    if (!buyer) return;
    // The BG/NBD of this small world runs to the homogeneous-dropout limit (a and b large
    // together, their ratio fixed), which predicts finitely and is used. A fit that is refused
    // leaves the view without CLV figures and says why; churn risk then uses the MBG/NBD.
    expect(fit.bgNbd.refusal).toBeUndefined();
    const used = customerView({ ...buyer, now: fit.occurredAt, fit });
    expect(Number.isFinite(used.clv?.clv)).toBe(true);
    const refused = {
      ...fit,
      bgNbd: { ...fit.bgNbd, refusal: 'BG/NBD fit refused: a went to a degenerate limit' },
    };
    const degenerate = customerView({ ...buyer, now: fit.occurredAt, fit: refused });
    expect(degenerate.clv).toBeNull();
    expect(degenerate.unavailable.clv).toMatch(/is not used: BG\/NBD fit refused: /);
    expect(degenerate.churnRisk).toMatchObject({
      purchaseModel: 'mbg-nbd',
      weightsSource: 'learned',
    });
    const viewFit = {
      ...fit,
      bgNbd: { ...fit.bgNbd, params: { r: 1, alpha: 20, a: 1, b: 3 }, refusal: undefined },
    };
    const view = customerView({ ...buyer, now: fit.occurredAt, fit: viewFit });
    expect(view.clv).not.toBeNull();
    expect(view.churnRisk).toMatchObject({
      weightsSource: 'learned',
      weightsFitId: fit.fitId,
      trainingWindow: learned.trainingWindow,
    });
    for (const f of view.churnRisk?.factors ?? []) {
      if (f.name !== 'purchaseProcess') expect(f.weight).toBe(learned.weights[f.name]);
    }
    const { churnWeights: _, ...older } = viewFit;
    expect(customerView({ ...buyer, now: fit.occurredAt, fit: older }).churnRisk).toMatchObject({
      weightsSource: 'a_priori',
      weightsFitId: null,
      trainingWindow: null,
    });
  });

  it('is deterministic: two runs give the same figures', async () => {
    const a = await evaluateChurn(store, truthPath, { horizonWeeks: 26 });
    const b = await evaluateChurn(store, truthPath, { horizonWeeks: 26 });
    expect({ ...a, elapsedMs: 0 }).toEqual({ ...b, elapsedMs: 0 });
  });

  it('refuses a cut-off outside the seeded period', async () => {
    await expect(evaluateChurn(store, truthPath, { cutoff: '2030-01-01' })).rejects.toThrow(
      /inside the seeded period/,
    );
  });
});
