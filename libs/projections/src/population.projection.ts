import { CUSTOMER_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent, monthOf } from './event-data';
import { npsCategory } from './satisfaction.projection';

/**
 * Feedback over time, keyed by the calendar month (UTC, YYYY-MM) the feedback was given in
 * (business time, so a late-recorded survey lands in its own month). Every response counts.
 *
 * The other population views (complaint and repair rates by SKU and defect, warranty cost by
 * product, cohort retention) need a join: complaints and repairs name a purchase, not a SKU, and
 * a purchase's cohort depends on the customer's first purchase. A keyed fold cannot join, so
 * those are aggregated at query time from the customer profiles and warranty claims
 * (population-reports.ts).
 */
export interface FeedbackMonthState {
  month: string;
  nps: { responses: number; promoters: number; passives: number; detractors: number };
  csat: { responses: number; sum: number; satisfied: number };
  ces: { responses: number; sum: number };
}

export function initialFeedbackMonth(month: string): FeedbackMonthState {
  return {
    month,
    nps: { responses: 0, promoters: 0, passives: 0, detractors: 0 },
    csat: { responses: 0, sum: 0, satisfied: 0 },
    ces: { responses: 0, sum: 0 },
  };
}

/** Folds one response into its month: a new state, sharing what the response does not change. */
export function evolveFeedbackMonth(
  state: FeedbackMonthState,
  recorded: RecordedEvent,
): FeedbackMonthState {
  const event = asAftercareEvent(recorded);
  if (!event || event.type !== 'FeedbackReceived') return state;
  const d = event.data;
  let { nps, csat, ces } = state;
  if (d.nps !== undefined) {
    const category = npsCategory(d.nps);
    nps = {
      responses: nps.responses + 1,
      promoters: nps.promoters + (category === 'promoter' ? 1 : 0),
      passives: nps.passives + (category === 'passive' ? 1 : 0),
      detractors: nps.detractors + (category === 'detractor' ? 1 : 0),
    };
  }
  if (d.csat !== undefined) {
    csat = {
      responses: csat.responses + 1,
      sum: csat.sum + d.csat,
      satisfied: csat.satisfied + (d.csat >= 4 ? 1 : 0),
    };
  }
  if (d.ces !== undefined) ces = { responses: ces.responses + 1, sum: ces.sum + d.ces };
  return { ...state, nps, csat, ces };
}

/** NPS of a month: % promoters minus % detractors, -100..100; null without responses. */
export function netPromoterScore(state: FeedbackMonthState): number | null {
  const { responses, promoters, detractors } = state.nps;
  return responses === 0 ? null : Math.round(((promoters - detractors) / responses) * 1000) / 10;
}

export const populationFeedbackProjection: Projection<FeedbackMonthState> = {
  name: 'population_feedback',
  version: 1,
  filter: { categories: [CUSTOMER_STREAM_CATEGORY], eventTypePrefixes: ['FeedbackReceived'] },
  keyOf: (event) => {
    if (event.type !== 'FeedbackReceived') return undefined;
    const at = (event.data as { occurredAt?: unknown } | null)?.occurredAt;
    return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? monthOf(at) : undefined;
  },
  initialState: initialFeedbackMonth,
  evolve: evolveFeedbackMonth,
  columns: {
    month: (s) => s.month,
    npsResponses: (s) => s.nps.responses,
    csatResponses: (s) => s.csat.responses,
  },
  // Read whole, in key order: no column index.
  indexes: [],
};
