import type { AftercareEvent } from '@aftercare/domain';
import { CUSTOMER } from './journey.fixtures';
import { churnIncidentsProjection } from './churn-incidents.projection';
import { complaintsProjection } from './complaints.projection';
import { customerProfileProjection } from './customer-profile.projection';
import type { AnyProjection } from './projection';
import { projections } from './registry';
import { satisfactionProjection } from './satisfaction.projection';
import { recorded } from './spec-events';
import { warrantyClaimsProjection } from './warranty-claims.projection';
import { warrantyDecisionsProjection } from './warranty-decisions.projection';
import { instantIn, instantOut } from './stored-form';
import {
  eventfulJourney,
  foldInPlace,
  interleavedJourneys,
  lessCommonEvents,
} from './testing/purity';

/** The events of `customers` customers; `millis` writes every instant as toISOString does. */
function world(customers: number, millis: boolean): ReturnType<typeof recorded>[] {
  let json = JSON.stringify([...interleavedJourneys(customers), ...lessCommonEvents()]);
  if (millis) json = json.replace(/(T\d\d:\d\d:\d\d)Z"/g, '$1.250Z"');
  return (JSON.parse(json) as AftercareEvent[]).map((event) => recorded(event));
}

const stored = projections.filter((p) => p.stored);
const roundTrip = (p: AnyProjection, state: unknown, key: string): unknown =>
  p.stored!.decode(JSON.parse(JSON.stringify(p.stored!.encode(state, key))) as unknown[], key);

describe('stored forms', () => {
  it('are declared by the projections storing the most per customer', () => {
    expect(stored.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        customerProfileProjection.name,
        satisfactionProjection.name,
        churnIncidentsProjection.name,
        complaintsProjection.name,
        warrantyDecisionsProjection.name,
        warrantyClaimsProjection.name,
      ]),
    );
  });

  describe.each([
    ['instants as toISOString writes them', true],
    ['instants without milliseconds', false],
  ])('with %s', (_, millis) => {
    const events = world(40, millis);

    it.each(stored.map((p) => [p.name, p] as const))(
      '%s reads back every state, byte for byte, from fewer bytes',
      (_name, p) => {
        const states = foldInPlace(p, events);
        expect(states.size).toBeGreaterThan(10);
        let stateBytes = 0;
        let storedBytes = 0;
        for (const [key, state] of states) {
          expect(JSON.stringify(roundTrip(p, state, key))).toBe(JSON.stringify(state));
          stateBytes += JSON.stringify(state).length;
          storedBytes += JSON.stringify(p.stored!.encode(state, key)).length;
        }
        expect(storedBytes).toBeLessThan(stateBytes * 0.7);
      },
    );
  });

  it('give back a state that folds on as the original does', () => {
    const events = eventfulJourney().map((event) => recorded(event));
    const later = lessCommonEvents().map((event) => recorded(event));
    for (const p of stored) {
      const [key, state] = [...foldInPlace(p, events)][0];
      const decoded = roundTrip(p, state, key);
      const onOriginal = later.reduce((s, e) => (p.keyOf(e) === key ? p.evolve(s, e) : s), state);
      const onDecoded = later.reduce((s, e) => (p.keyOf(e) === key ? p.evolve(s, e) : s), decoded);
      expect(JSON.stringify(onDecoded)).toBe(JSON.stringify(onOriginal));
    }
  });

  it('keep an id named like an Object.prototype member as an own entry', () => {
    const state = foldInPlace(satisfactionProjection, world(2, true)).get(CUSTOMER)!;
    const decoded = roundTrip(satisfactionProjection, state, CUSTOMER) as typeof state;
    expect(Object.hasOwn(decoded.complaints, '__proto__')).toBe(true);
    expect(Object.keys(decoded.complaints)).toEqual(Object.keys(state.complaints));
  });

  it('store an instant as a number only where toISOString gives its text back', () => {
    expect(instantOut('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(instantIn(instantOut('1969-12-31T23:59:59.001Z'))).toBe('1969-12-31T23:59:59.001Z');
    for (const text of [
      '2024-02-01T10:00:00Z',
      '2024-02-30T10:00:00.000Z',
      '2024-02-01T10:00:00.000+01:00',
      '2024-02-01 10:00:00.000Z',
      'not a date at all, 24 ch',
    ]) {
      expect(instantOut(text)).toBe(text);
      expect(instantIn(instantOut(text))).toBe(text);
    }
  });
});
