import { churnIncidentsProjection } from './churn-incidents.projection';
import { clvModelProjection } from './clv-model.projection';
import { customerProfileProjection } from './customer-profile.projection';
import { nextBestActionsProjection } from './next-best-actions.projection';
import {
  followUpTasksProjection,
  promiseRatesByAgentProjection,
  promiseRatesByQueueProjection,
  promisesProjection,
} from './follow-ups.projection';
import { populationFeedbackProjection } from './population.projection';
import { productPopulationProjection } from './product-population.projection';
import type { AnyProjection } from './projection';
import { satisfactionProjection } from './satisfaction.projection';
import { warrantyClaimsProjection } from './warranty-claims.projection';
import { warrantyDecisionsProjection } from './warranty-decisions.projection';
import { complaintsProjection } from './complaints.projection';
import { warrantyPoliciesProjection } from './warranty-policies.projection';

/** Every projection the runtime keeps up to date (the projector and the embedded API run these). */
export const projections: readonly AnyProjection[] = [
  customerProfileProjection,
  satisfactionProjection,
  churnIncidentsProjection,
  warrantyClaimsProjection,
  warrantyDecisionsProjection,
  complaintsProjection,
  warrantyPoliciesProjection,
  populationFeedbackProjection,
  productPopulationProjection,
  clvModelProjection,
  nextBestActionsProjection,
  followUpTasksProjection,
  promisesProjection,
  promiseRatesByAgentProjection,
  promiseRatesByQueueProjection,
];
