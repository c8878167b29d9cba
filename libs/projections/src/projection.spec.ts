import type { AftercareEvent } from '@aftercare/domain';
import { purchase, repair } from './journey.fixtures';
import { projections } from './registry';
import { recorded } from './spec-events';
import { foldFrozen, foldInPlace, interleavedJourneys, lessCommonEvents } from './testing/purity';

/**
 * A rebuild folds with `evolveInPlace` where a projection has one: it must give, byte for byte,
 * the states `evolve` gives (the read models a rebuild writes are the live runtime's).
 */
describe('folding in place', () => {
  const inPlace = projections.filter((p) => p.evolveInPlace);

  // 300 customers spread over product_population's 256 buckets: several share a bucket, and
  // some buy again in an earlier month, recorded late (their cohort moves).
  const events = [
    ...interleavedJourneys(300),
    ...lessCommonEvents(),
    ...Array.from({ length: 300 }, (_, i) => i)
      .filter((i) => i % 3 === 0)
      .flatMap((i) =>
        [
          purchase(`late-${i}`, '2023-12-15T10:00:00Z', 30, { sku: `SKU-${i % 7}` }),
          repair(`late-r-${i}`, `late-${i}`, '2024-06-10T10:00:00Z', 'customer', 20),
        ].map(
          (event) =>
            JSON.parse(
              JSON.stringify(event).replaceAll('"cust-1"', `"cust-${i}"`),
            ) as AftercareEvent,
        ),
      ),
  ].map((event) => recorded(event));

  it('is declared by the projections whose evolve copies most per event', () => {
    expect(inPlace.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'customer_profile',
        'satisfaction',
        'churn_incidents',
        'product_population',
      ]),
    );
  });

  it.each(inPlace.map((p) => [p.name, p] as const))('%s gives the states evolve gives', (_, p) => {
    const { states: byCopies } = foldFrozen(p, events);
    const changedInPlace = foldInPlace(p, events);
    expect(changedInPlace.size).toBe(byCopies.size);
    expect(changedInPlace.size).toBeGreaterThan(1);
    for (const [key, state] of byCopies) {
      expect(JSON.stringify(changedInPlace.get(key))).toBe(JSON.stringify(state));
    }
  });
});
