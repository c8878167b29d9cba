import {
  isV1Facts,
  type ChainVerification,
  type ConsumerLawRow,
  type JurisdictionRules,
  type Recomputation,
  type WarrantyClaimAssessed,
  type WarrantyClaimDecided,
  type WarrantyClaimFiled,
  type WarrantyDecisionOverridden,
  type WarrantyRemedyRefused,
} from '@aftercare/domain';
import type { WarrantyDecisionRow } from '@aftercare/projections';

type Decided = WarrantyClaimDecided['data'];
type Overridden = WarrantyDecisionOverridden['data'];

/** What the warranty audit reports: a claim's audit, decision rows, reports and replays. */

/** The law a decision applied: engine v1 recorded jurisdiction rules, v2 a consumer-law row. */
export function lawOf(data: Decided): ConsumerLawRow | JurisdictionRules {
  return isV1Facts(data.facts) ? data.facts.jurisdiction : data.facts.law;
}

/** Everything an auditor needs to explain, recompute and verify one warranty claim. */
export interface ClaimAudit {
  claimId: string;
  streamId: string;
  /** As filed, lifted to the current shape (the stored data is what the chain covers). */
  claim: WarrantyClaimFiled['data'] | null;
  /** The latest decision: the one in effect unless overridden. */
  decision: {
    recordedAt: string;
    position: string;
    outcome: Decided['outcome'];
    remedy: Decided['remedy'];
    coveredAmount: number;
    currency: string;
    decidedBy: Decided['decidedBy'];
    engineVersion: string;
    /** The facts exactly as recorded with the decision (as known at its record time). */
    facts: Decided['facts'];
    factsDigest: string;
    policy: { policyId: string; version: number; effectiveFrom: string; terms: unknown };
    law: ConsumerLawRow | JurisdictionRules;
    ruleTrace: Decided['ruleTrace'];
  } | null;
  /** Every decision in order: on filing, then after each assessment or refusal. */
  decisions: Array<{
    recordedAt: string;
    position: string;
    outcome: Decided['outcome'];
    remedy: Decided['remedy'];
    coveredAmount: number;
    engineVersion: string;
    trigger: Decided['trigger'] | null;
    reproduced: boolean;
  }>;
  assessments: Array<
    WarrantyClaimAssessed['data'] & { recordedAt: string; actor: string | undefined }
  >;
  remedyRefusals: Array<
    WarrantyRemedyRefused['data'] & { recordedAt: string; actor: string | undefined }
  >;
  overrides: Array<Overridden & { recordedAt: string; actor: string | undefined }>;
  /** The outcome standing now: the last override's, else the decision's. */
  finalOutcome: string | null;
  events: Array<{ revision: string; type: string; recordedAt: string; actor: string | undefined }>;
  verification: {
    chain: ChainVerification & { brokenEvent?: { revision: string; type: string; id: string } };
    /** Every decision recomputed with the engine version it recorded; mismatches of any. */
    recomputation: Pick<Recomputation, 'matches' | 'mismatches'> | null;
    /** The policy version recorded with the decision is the one published in its policy stream. */
    policyMatchesPublished: boolean | null;
    ok: boolean;
  };
}

/** One claim's decision: the engine's latest, and what stands after overrides. */
export type DecisionRow = WarrantyDecisionRow;

export interface DecisionQuery {
  outcome?: string;
  policyId?: string;
  policyVersion?: number;
  /** Inclusive bounds on when the claim was filed (business time). */
  from?: string;
  to?: string;
}

export interface OutcomeCounts {
  approved: number;
  rejected: number;
  needsReview: number;
  needsAssessment: number;
  approvalRate: number;
}

/** Counted twice, each labelled: as the engine decided, and as it stands after overrides. */
export interface RateRow {
  key: string;
  decisions: number;
  byEngine: OutcomeCounts;
  afterOverrides: OutcomeCounts;
}

/** Money in one currency; figures in different currencies are never added. */
export interface CurrencyCost {
  currency: string;
  claims: number;
  /** Sum of covered amounts the engine approved. */
  approvedByEngine: number;
  /** Sum after overrides: an override that approves costs the amount it approved. */
  approvedAfterOverrides: number;
}

export const APPROVAL_DEFINITIONS = {
  byEngine: "approved by the warranty engine's latest decision, before any override",
  afterOverrides: "approved as it stands: the last override's outcome, else the engine's",
} as const;

export interface DecisionReport {
  from: string | null;
  to: string | null;
  decisions: number;
  definitions: typeof APPROVAL_DEFINITIONS;
  byEngine: OutcomeCounts;
  afterOverrides: OutcomeCounts;
  costs: CurrencyCost[];
  byPolicyVersion: RateRow[];
  byProduct: RateRow[];
  /** Per rule: decisions where it passed / failed, counted against the engine's outcome. */
  byRule: Array<{ ruleId: string; passed: RateRow; failed: RateRow; notApplicable: number }>;
  /** The ones an auditor looks at first: rejected after overrides. */
  rejectedInsideLegalGuarantee: DecisionRow[];
}

export interface ReplayCost {
  currency: string;
  recorded: number;
  replayed: number;
  difference: number;
}

export interface PolicyReplay {
  policyId: string;
  version: number;
  claims: number;
  changed: Array<{
    claimId: string;
    currency: string;
    recorded: { policyVersion: number; outcome: string; coveredAmount: number };
    replayed: { outcome: string; coveredAmount: number };
    costDifference: number;
  }>;
  /** Engine-approved cost recorded and replayed, per currency. */
  costs: ReplayCost[];
}
