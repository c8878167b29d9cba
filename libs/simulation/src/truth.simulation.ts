/**
 * The ground truth written beside a simulated customer's events: the latent traits and how the
 * life went (when and why they stopped, how they felt), for scoring models against.
 */
import type { CustomerHistory, CustomerSimulation } from './customer.simulation';
import { experienceAt } from './experience.simulation';
import { iso, round4 } from './simulation.units';

export function customerTruth(life: CustomerSimulation): CustomerHistory {
  const end = life.stoppedAt ?? life.world.toMs;
  return {
    customer: life.customer,
    claims: life.claims.map((c) => c.stream),
    truth: {
      customerId: life.customerId,
      signedUpAt: iso(life.signupAt),
      jurisdiction: life.region.jurisdiction,
      segment: life.segment,
      purchaseRatePerYear: round4(life.ratePerYear),
      dropoutProbability: round4(life.dropoutP),
      experienceSensitivity: round4(life.sensitivity),
      stoppedAt: life.stoppedAt === null ? null : iso(life.stoppedAt),
      stopCause: life.stopCause,
      purchases: life.purchases,
      lastPurchaseAt: life.lastPurchaseAt === null ? null : iso(life.lastPurchaseAt),
      experienceScore: round4(experienceAt(life, end)),
      worstExperienceScore: round4(life.worstExperience),
      badIncidents: life.badIncidents,
      events:
        life.customer.events.length + life.claims.reduce((n, c) => n + c.stream.events.length, 0),
      warrantyClaims: life.claims.length,
    },
    refusals: life.refusals,
  };
}
