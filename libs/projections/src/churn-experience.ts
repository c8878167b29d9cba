import type { ServiceExperience } from '@aftercare/analytics';
import type { CustomerProfileState } from './customer-profile.projection';
import { DAY_MS, ms } from './event-data';
import type { SatisfactionStateData } from './satisfaction.projection';

/**
 * The service-experience side of churn risk, as the analytics library's scorer takes it, from
 * the customer's profile and satisfaction state at `now`. Counts are over the customer's whole
 * history up to `now` (the scorer caps them); nothing is weighted or tuned here.
 */
export function churnExperience(
  profile: CustomerProfileState,
  satisfaction: SatisfactionStateData,
  now: string,
): ServiceExperience {
  const nowMs = ms(now);
  const happened = (at: string | null): boolean => at !== null && ms(at) <= nowMs;
  const openComplaintAgesDays = Object.values(satisfaction.complaints)
    .filter((c) => c.open && happened(c.filedAt))
    .map((c) => Math.max(0, (nowMs - ms(c.filedAt)) / DAY_MS));
  const latest = satisfaction.nps.latest;
  return {
    openComplaintAgesDays,
    latestNps: latest && happened(latest.at) ? latest.score : null,
    failedSetups: Object.values(satisfaction.setups).reduce((n, s) => n + s.failures, 0),
    lateDeliveries: satisfaction.deliveries.late,
    repeatRepairSerials: Object.values(satisfaction.repairsBySerial).filter((r) => r.count > 1)
      .length,
    returns: Object.keys(profile.returns).length,
    warrantyRejections: Object.values(profile.claims).filter((c) => c.outcome === 'rejected')
      .length,
  };
}
