/**
 * Every kind of bad incident the store records, as churn risk reads them (docs/churn.md,
 * "Incidents"). The nine experience factors of churn.ts read some of them (late deliveries,
 * failed setups, complaints, returns, rejected warranty claims, repeat repairs); the others are
 * read only through the pooled incident count or their own factors below. The caller (the
 * projections' incident log) says which events are which; this file only counts them.
 */
export const INCIDENT_KINDS = [
  'late_delivery',
  'failed_delivery',
  'failed_setup',
  'faulty_return',
  'complaint',
  'slow_acknowledgement',
  'escalation',
  'reopening',
  'bad_resolution',
  'defect',
  'paid_repair',
  'warranty_rejection',
  'broken_promise',
  'missed_follow_up',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Ages in days (at scoring time) of each incident, by kind. */
export type IncidentAges = Readonly<Partial<Record<IncidentKind, readonly number[]>>>;

/**
 * One factor per kind of incident the base factors do not read (broken promises and missed
 * follow-ups are base factors of their own), for the "separate" structure: the factor's name and
 * the kind it counts.
 */
export const SEPARATE_INCIDENT_FACTORS = {
  failedDeliveries: 'failed_delivery',
  slowAcknowledgements: 'slow_acknowledgement',
  escalations: 'escalation',
  reopenings: 'reopening',
  badResolutions: 'bad_resolution',
  defects: 'defect',
  paidRepairs: 'paid_repair',
} as const satisfies Record<string, IncidentKind>;
export type SeparateIncidentFactorName = keyof typeof SEPARATE_INCIDENT_FACTORS;
export const SEPARATE_INCIDENT_FACTOR_NAMES = Object.keys(
  SEPARATE_INCIDENT_FACTORS,
) as SeparateIncidentFactorName[];

/** Cap of the pooled count and of each separate count: one noisy history cannot dominate. */
export const POOLED_INCIDENTS_CAP = 8;
export const SEPARATE_INCIDENTS_CAP = 3;

/**
 * Sum over incidents of 0.5^(age / halfLife): an incident counts 1 when it happens and half as
 * much every `halfLifeDays` after. Incidents with a negative or non-finite age (not yet known at
 * scoring time) count 0.
 */
export function decayedIncidentCount(ages: readonly number[], halfLifeDays: number): number {
  let sum = 0;
  for (const age of ages) if (age >= 0 && Number.isFinite(age)) sum += 0.5 ** (age / halfLifeDays);
  return sum;
}

/** The pooled count: every incident of every kind, decayed with one half-life. */
export function pooledIncidentCount(ages: IncidentAges | undefined, halfLifeDays: number): number {
  if (!ages) return 0;
  let sum = 0;
  for (const kind of INCIDENT_KINDS) sum += decayedIncidentCount(ages[kind] ?? [], halfLifeDays);
  return sum;
}
