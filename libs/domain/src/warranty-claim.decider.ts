import { DomainError } from './domain-error';
import type { Amount, CurrencyCode, DomainCommand, IsoDateTime } from './domain-event';
import { assertNever } from './domain-event';
import { expectedLifespanMonths, resolveConsumerLaw } from './law/consumer-law';
import { toMillis } from './time';
import {
  isV1Facts,
  type AnyDecisionFacts,
  type AssessedCause,
  type Assessment,
  type AssessmentMethod,
  type ClaimEvidence,
  type DecidedBy,
  type Defect,
  type OverrideOutcome,
  type PriorClaim,
  type PurchaseSnapshot,
  type RefusableRemedy,
  type RefusalGround,
  type RemedyRefusal,
  type WarrantyClaimEvent,
  type WarrantyDecisionFacts,
  type WarrantyOutcome,
} from './warranty-claim.events';
import { decideWarrantyClaim } from './warranty-engine';
import { factsFromV1, policyInForce } from './warranty-engine.facts';
import type { DefectCause, WarrantyPolicyVersion, WarrantyRemedy } from './warranty-policy.events';

/**
 * The warranty claim decider (stream `warranty-<claimId>`). Filing decides at once: the
 * application gathers the facts (purchase snapshot, earlier claims on the serial or purchase, the
 * policy's versions, the customer's country and jurisdiction) and `decide` records the claim and
 * the engine's decision together. An assessment of the cause, or the seller's refusal of a
 * remedy, is recorded as its own event and re-decides the claim (a new WarrantyClaimDecided with
 * its trace). Agents override (with a justification) and the claim is fulfilled once approved.
 * The application adds hash chain links to every event before appending (hash-chain.ts).
 */

export type FileWarrantyClaim = DomainCommand<
  'FileWarrantyClaim',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    purchaseId: string;
    /** Optional: a purchase without a serial number is claimed by purchase id. */
    serialNumber?: string;
    /** When the defect became apparent; defaults to occurredAt (older callers). */
    noticedAt?: IsoDateTime;
    /** `cause` here is the claimant's word (older callers): it is kept as suspectedCause. */
    defect: Defect;
    /** Defaults to the defect's description. */
    symptom?: string;
    suspectedCause?: DefectCause;
    evidence: ClaimEvidence;
    claimedAmount?: Amount;
    remedyRequested?: WarrantyRemedy;
    /** From the customer stream; null when the customer has no such purchase. */
    purchase: PurchaseSnapshot | null;
    /** Claims on the same serial; only those filed strictly earlier are used. */
    priorClaims: PriorClaim[];
    /** Every published version of the purchase's policy; the one in force at occurredAt is used. */
    policyVersions: WarrantyPolicyVersion[];
    /** The customer's jurisdiction code, e.g. 'EU': the fallback when no country is known. */
    jurisdiction: string;
    /** ISO 3166-1 alpha-2 from CustomerRegistered; picks the consumer-law row. */
    countryCode?: string | null;
    /** ISO 3166-2 part of the country where the law differs by part (GB-SCT, GB-NIR, GB-ENG, GB-WLS). */
    region?: string;
    decidedBy: DecidedBy;
  }
>;

/** Where the consumer law comes from, for re-deciding a claim engine v1 decided. */
type LawContext = { countryCode?: string | null; region?: string };

export type AssessWarrantyClaim = DomainCommand<
  'AssessWarrantyClaim',
  LawContext & {
    claimId: string;
    occurredAt: IsoDateTime;
    cause: AssessedCause;
    assessedBy: string;
    method: AssessmentMethod;
    notes?: string;
    serious?: boolean;
  }
>;

export type RefuseWarrantyRemedy = DomainCommand<
  'RefuseWarrantyRemedy',
  LawContext & {
    claimId: string;
    occurredAt: IsoDateTime;
    remedy: RefusableRemedy;
    ground: RefusalGround;
    reason: string;
    refusedBy: string;
    costOfRefusedRemedy?: Amount;
    costOfAlternative?: Amount;
  }
>;

export type OverrideWarrantyDecision = DomainCommand<
  'OverrideWarrantyDecision',
  {
    claimId: string;
    occurredAt: IsoDateTime;
    agentId: string;
    justification: string;
    outcome: OverrideOutcome;
    /** Required when approving; must be null when rejecting. */
    remedy: WarrantyRemedy | null;
    /** 0..price; 0 when rejecting. */
    coveredAmount: Amount;
  }
>;

export type FulfilWarrantyClaim = DomainCommand<
  'FulfilWarrantyClaim',
  { claimId: string; occurredAt: IsoDateTime; reference?: string }
>;

export type WarrantyClaimCommand =
  | FileWarrantyClaim
  | AssessWarrantyClaim
  | RefuseWarrantyRemedy
  | OverrideWarrantyDecision
  | FulfilWarrantyClaim;
export type WarrantyClaimCommandType = WarrantyClaimCommand['type'];

export type WarrantyClaimState =
  | { status: 'none' }
  | {
      status: 'filed' | 'decided' | 'fulfilled';
      claimId: string;
      customerId: string;
      serialNumber: string | null;
      price: Amount;
      currency: CurrencyCode;
      /** The outcome in effect: the engine's latest, or the latest override's. */
      outcome: WarrantyOutcome | null;
      remedy: WarrantyRemedy | null;
      coveredAmount: Amount;
      overridden: boolean;
      /** The facts of the latest decision: a re-decision starts from them. */
      facts: AnyDecisionFacts | null;
      assessments: Assessment[];
      remedyRefusals: RemedyRefusal[];
    };

export function initialState(): WarrantyClaimState {
  return { status: 'none' };
}

export function evolve(state: WarrantyClaimState, event: WarrantyClaimEvent): WarrantyClaimState {
  const { type, data } = event;
  switch (type) {
    case 'WarrantyClaimFiled':
      return {
        status: 'filed',
        claimId: data.claimId,
        customerId: data.customerId,
        serialNumber: data.serialNumber,
        price: 0,
        currency: '',
        outcome: null,
        remedy: null,
        coveredAmount: 0,
        overridden: false,
        facts: null,
        assessments: [],
        remedyRefusals: [],
      };
    case 'WarrantyClaimDecided':
      if (state.status === 'none') return state;
      return {
        ...state,
        status: state.status === 'fulfilled' ? 'fulfilled' : 'decided',
        price: data.facts.purchase.price,
        currency: data.currency,
        outcome: data.outcome,
        remedy: data.remedy,
        coveredAmount: data.coveredAmount,
        facts: data.facts,
      };
    case 'WarrantyClaimAssessed': {
      if (state.status === 'none') return state;
      const assessment: Assessment = {
        cause: data.cause,
        assessedBy: data.assessedBy,
        method: data.method,
        ...(data.serious !== undefined ? { serious: data.serious } : {}),
        assessedAt: data.occurredAt,
      };
      return { ...state, assessments: [...state.assessments, assessment] };
    }
    case 'WarrantyRemedyRefused': {
      if (state.status === 'none') return state;
      const refusal: RemedyRefusal = {
        remedy: data.remedy,
        ground: data.ground,
        reason: data.reason,
        refusedBy: data.refusedBy,
        ...(data.costOfRefusedRemedy !== undefined
          ? { costOfRefusedRemedy: data.costOfRefusedRemedy }
          : {}),
        ...(data.costOfAlternative !== undefined
          ? { costOfAlternative: data.costOfAlternative }
          : {}),
        currency: data.currency,
        refusedAt: data.occurredAt,
      };
      return { ...state, remedyRefusals: [...state.remedyRefusals, refusal] };
    }
    case 'WarrantyDecisionOverridden':
      if (state.status === 'none') return state;
      return {
        ...state,
        outcome: data.outcome,
        remedy: data.remedy,
        coveredAmount: data.coveredAmount,
        overridden: true,
      };
    case 'WarrantyClaimFulfilled':
      if (state.status === 'none') return state;
      return { ...state, status: 'fulfilled' };
    default:
      return assertNever(type, 'warranty claim event');
  }
}

export function decide(
  command: WarrantyClaimCommand,
  state: WarrantyClaimState,
): WarrantyClaimEvent[] {
  switch (command.type) {
    case 'FileWarrantyClaim':
      return file(command, state);

    case 'AssessWarrantyClaim': {
      const d = command.data;
      const decided = redecidable(state, d.claimId, d.occurredAt);
      if (d.assessedBy.trim() === '') {
        throw new DomainError('assessor_required', 'An assessment names who assessed the product');
      }
      const assessed: WarrantyClaimEvent = {
        type: 'WarrantyClaimAssessed',
        data: {
          claimId: decided.claimId,
          customerId: decided.customerId,
          occurredAt: d.occurredAt,
          cause: d.cause,
          assessedBy: d.assessedBy,
          method: d.method,
          ...(d.notes !== undefined ? { notes: d.notes } : {}),
          ...(d.serious !== undefined ? { serious: d.serious } : {}),
        },
      };
      return [assessed, redecide(decided, assessed, d, 'assessment')];
    }

    case 'RefuseWarrantyRemedy': {
      const d = command.data;
      const decided = redecidable(state, d.claimId, d.occurredAt);
      const invalid = (message: string, field: string) =>
        new DomainError('invalid_remedy_refusal', message, { field });
      if (d.reason.trim() === '') throw invalid('A refusal states its reason', 'reason');
      if (d.refusedBy.trim() === '') throw invalid('A refusal names who refused', 'refusedBy');
      for (const field of ['costOfRefusedRemedy', 'costOfAlternative'] as const) {
        const value = d[field];
        if (
          value !== undefined &&
          (!Number.isFinite(value) || value < 0 || Math.round(value * 100) / 100 !== value)
        ) {
          throw new DomainError(
            'invalid_amount',
            `${field} must be >= 0 in whole cents, got ${value}`,
            {
              field,
              value,
            },
          );
        }
      }
      if (
        d.ground === 'disproportionate' &&
        (d.costOfRefusedRemedy === undefined || d.costOfAlternative === undefined)
      ) {
        throw invalid(
          'A remedy refused as disproportionate needs its cost and the cost of the alternative',
          d.costOfRefusedRemedy === undefined ? 'costOfRefusedRemedy' : 'costOfAlternative',
        );
      }
      const refused: WarrantyClaimEvent = {
        type: 'WarrantyRemedyRefused',
        data: {
          claimId: decided.claimId,
          customerId: decided.customerId,
          occurredAt: d.occurredAt,
          remedy: d.remedy,
          ground: d.ground,
          reason: d.reason,
          refusedBy: d.refusedBy,
          ...(d.costOfRefusedRemedy !== undefined
            ? { costOfRefusedRemedy: d.costOfRefusedRemedy }
            : {}),
          ...(d.costOfAlternative !== undefined ? { costOfAlternative: d.costOfAlternative } : {}),
          currency: decided.currency,
        },
      };
      return [refused, redecide(decided, refused, d, 'remedy_refusal')];
    }

    case 'OverrideWarrantyDecision': {
      const d = command.data;
      toMillis(d.occurredAt);
      if (state.status === 'none' || state.outcome === null) throw claimNotFound(d.claimId);
      if (state.status === 'fulfilled') throw alreadyFulfilled(d.claimId);
      if (d.agentId.trim() === '') {
        throw new DomainError('agent_required', 'An override names the agent who made it');
      }
      if (d.justification.trim() === '') {
        throw new DomainError('justification_required', 'An override needs a justification');
      }
      if (d.outcome === 'approved' && d.remedy === null) {
        throw new DomainError('invalid_override', 'Approving a claim needs a remedy', {
          outcome: d.outcome,
        });
      }
      if (d.outcome === 'rejected' && (d.remedy !== null || d.coveredAmount !== 0)) {
        throw new DomainError(
          'invalid_override',
          'A rejected claim has no remedy and covers nothing',
          { outcome: d.outcome, remedy: d.remedy, coveredAmount: d.coveredAmount },
        );
      }
      if (!Number.isFinite(d.coveredAmount) || d.coveredAmount < 0) {
        throw new DomainError(
          'invalid_amount',
          `coveredAmount must be >= 0, got ${d.coveredAmount}`,
          {
            field: 'coveredAmount',
            value: d.coveredAmount,
          },
        );
      }
      if (d.coveredAmount > state.price) {
        throw new DomainError(
          'covered_amount_exceeds_price',
          `Covered amount ${d.coveredAmount} exceeds the price paid (${state.price})`,
          { coveredAmount: d.coveredAmount, price: state.price },
        );
      }
      return [
        {
          type: 'WarrantyDecisionOverridden',
          data: {
            claimId: state.claimId,
            customerId: state.customerId,
            occurredAt: d.occurredAt,
            agentId: d.agentId,
            justification: d.justification,
            previous: {
              outcome: state.outcome,
              remedy: state.remedy,
              coveredAmount: state.coveredAmount,
            },
            outcome: d.outcome,
            remedy: d.remedy,
            coveredAmount: d.coveredAmount,
          },
        },
      ];
    }

    case 'FulfilWarrantyClaim': {
      const d = command.data;
      toMillis(d.occurredAt);
      if (state.status === 'none' || state.outcome === null) throw claimNotFound(d.claimId);
      if (state.status === 'fulfilled') throw alreadyFulfilled(d.claimId);
      if (state.outcome !== 'approved' || state.remedy === null) {
        throw new DomainError(
          'claim_not_approved',
          `Claim ${d.claimId} is ${state.outcome}; only an approved claim is fulfilled`,
          { claimId: d.claimId, outcome: state.outcome },
        );
      }
      return [
        {
          type: 'WarrantyClaimFulfilled',
          data: {
            claimId: state.claimId,
            customerId: state.customerId,
            occurredAt: d.occurredAt,
            remedy: state.remedy,
            amount: state.coveredAmount,
            currency: state.currency,
            ...(d.reference !== undefined ? { reference: d.reference } : {}),
          },
        },
      ];
    }

    default:
      return assertNever(command, 'warranty claim command');
  }
}

function file(command: FileWarrantyClaim, state: WarrantyClaimState): WarrantyClaimEvent[] {
  const d = command.data;
  if (state.status !== 'none') {
    throw new DomainError('claim_already_filed', `Claim ${d.claimId} was already filed`, {
      claimId: d.claimId,
    });
  }
  const at = toMillis(d.occurredAt);
  const purchase = d.purchase;
  if (
    purchase === null ||
    purchase.purchaseId !== d.purchaseId ||
    purchase.customerId !== d.customerId
  ) {
    throw new DomainError(
      'purchase_not_found',
      `Customer ${d.customerId} has no purchase ${d.purchaseId}`,
      { customerId: d.customerId, purchaseId: d.purchaseId },
    );
  }
  // A purchase without a serial is claimed by its id; '' is what older callers sent for none.
  const serialNumber = purchase.serialNumber ?? null;
  const given = d.serialNumber === undefined || d.serialNumber === '' ? null : d.serialNumber;
  if (given !== null && given !== serialNumber) {
    throw new DomainError(
      'serial_number_mismatch',
      `Serial ${given} is not the serial of purchase ${d.purchaseId}`,
      { purchaseId: d.purchaseId, serialNumber: given },
    );
  }
  const purchasedAt = toMillis(purchase.purchasedAt, 'purchase.purchasedAt');
  if (at < purchasedAt) {
    throw new DomainError('claim_before_purchase', 'A claim cannot be filed before the purchase', {
      occurredAt: d.occurredAt,
      purchasedAt: purchase.purchasedAt,
    });
  }
  const noticedAt = d.noticedAt ?? d.occurredAt;
  const noticed = toMillis(noticedAt, 'noticedAt');
  if (noticed > at) {
    throw new DomainError('noticed_after_filing', 'noticedAt cannot be later than the filing', {
      field: 'noticedAt',
      noticedAt,
      occurredAt: d.occurredAt,
    });
  }
  if (noticed < purchasedAt) {
    throw new DomainError('noticed_before_purchase', 'noticedAt cannot be before the purchase', {
      field: 'noticedAt',
      noticedAt,
      purchasedAt: purchase.purchasedAt,
    });
  }
  if (d.claimedAmount !== undefined && (!Number.isFinite(d.claimedAmount) || d.claimedAmount < 0)) {
    throw new DomainError('invalid_amount', `claimedAmount must be >= 0, got ${d.claimedAmount}`, {
      field: 'claimedAmount',
      value: d.claimedAmount,
    });
  }
  const versions = d.policyVersions.filter((v) => v.policyId === purchase.warrantyPolicyId);
  if (versions.length === 0) {
    throw new DomainError(
      'warranty_policy_not_found',
      `Warranty policy ${purchase.warrantyPolicyId} has no published version`,
      { policyId: purchase.warrantyPolicyId },
    );
  }
  const policy = policyInForce(versions, d.occurredAt);
  if (!policy) {
    throw new DomainError(
      'warranty_policy_not_in_force',
      `No version of warranty policy ${purchase.warrantyPolicyId} was in force at ${d.occurredAt}`,
      { policyId: purchase.warrantyPolicyId, occurredAt: d.occurredAt },
    );
  }

  const symptom = d.symptom ?? d.defect.description;
  const suspectedCause = d.suspectedCause ?? d.defect.cause;
  const defect = { code: d.defect.code, description: d.defect.description };
  const facts: WarrantyDecisionFacts = {
    claim: {
      claimId: d.claimId,
      customerId: d.customerId,
      purchaseId: d.purchaseId,
      serialNumber,
      filedAt: d.occurredAt,
      noticedAt,
      defect,
      symptom,
      ...(suspectedCause !== undefined ? { suspectedCause } : {}),
      evidence: d.evidence,
      ...(d.claimedAmount !== undefined ? { claimedAmount: d.claimedAmount } : {}),
      ...(d.remedyRequested !== undefined ? { remedyRequested: d.remedyRequested } : {}),
    },
    purchase,
    // Sorted so the facts (and their digest) do not depend on the order the caller found them in.
    priorClaims: d.priorClaims
      .filter((c) => c.claimId !== d.claimId && toMillis(c.filedAt, 'priorClaims.filedAt') < at)
      .sort((a, b) => toMillis(a.filedAt) - toMillis(b.filedAt) || compare(a.claimId, b.claimId)),
    policy,
    law: resolveConsumerLaw({
      countryCode: d.countryCode ?? null,
      region: d.region ?? null,
      jurisdiction: d.jurisdiction,
    }),
    expectedLifespanMonths: expectedLifespanMonths(purchase.productCategory),
    assessments: [],
    remedyRefusals: [],
  };

  return [
    {
      type: 'WarrantyClaimFiled',
      data: {
        claimId: d.claimId,
        customerId: d.customerId,
        occurredAt: d.occurredAt,
        noticedAt,
        purchaseId: d.purchaseId,
        serialNumber,
        defect,
        symptom,
        ...(suspectedCause !== undefined ? { suspectedCause } : {}),
        evidence: d.evidence,
        ...(d.claimedAmount !== undefined ? { claimedAmount: d.claimedAmount } : {}),
        ...(d.remedyRequested !== undefined ? { remedyRequested: d.remedyRequested } : {}),
        ...(d.region !== undefined ? { region: d.region } : {}),
      },
    },
    decidedEvent(facts, d.occurredAt, d.decidedBy),
  ];
}

function decidedEvent(
  facts: WarrantyDecisionFacts,
  occurredAt: IsoDateTime,
  decidedBy: DecidedBy,
  trigger?: 'assessment' | 'remedy_refusal',
): WarrantyClaimEvent {
  const decision = decideWarrantyClaim(facts);
  return {
    type: 'WarrantyClaimDecided',
    data: {
      claimId: facts.claim.claimId,
      customerId: facts.claim.customerId,
      occurredAt,
      outcome: decision.outcome,
      remedy: decision.remedy,
      coveredAmount: decision.coveredAmount,
      currency: facts.purchase.currency,
      policyId: facts.policy.policyId,
      policyVersion: facts.policy.version,
      jurisdiction: facts.law.key,
      ruleTrace: decision.ruleTrace,
      facts,
      factsDigest: decision.factsDigest,
      engineVersion: decision.engineVersion,
      decidedBy,
      ...(trigger !== undefined ? { trigger } : {}),
    },
  };
}

type DecidedClaim = Exclude<WarrantyClaimState, { status: 'none' }> & {
  facts: AnyDecisionFacts;
};

/** A claim that an assessment or a refusal may re-decide: decided, not yet fulfilled. */
function redecidable(
  state: WarrantyClaimState,
  claimId: string,
  occurredAt: IsoDateTime,
): DecidedClaim {
  const at = toMillis(occurredAt);
  if (state.status === 'none') throw claimNotFound(claimId);
  if (state.status === 'fulfilled') throw alreadyFulfilled(claimId);
  if (state.status !== 'decided' || state.facts === null) {
    throw new DomainError('claim_not_decided', `Warranty claim ${claimId} has no decision yet`, {
      claimId,
    });
  }
  if (at < toMillis(state.facts.claim.filedAt)) {
    throw new DomainError('invalid_timestamp', 'occurredAt cannot be before the claim was filed', {
      field: 'occurredAt',
      value: occurredAt,
    });
  }
  return { ...state, facts: state.facts };
}

/** The decision again, on the latest facts plus what just happened; traced like the first. */
function redecide(
  state: DecidedClaim,
  happened: WarrantyClaimEvent,
  law: LawContext,
  trigger: 'assessment' | 'remedy_refusal',
): WarrantyClaimEvent {
  const next = evolve(state, happened);
  if (next.status === 'none') throw claimNotFound(state.claimId);
  const base = isV1Facts(state.facts)
    ? factsFromV1(
        state.facts,
        resolveConsumerLaw({
          countryCode: law.countryCode ?? null,
          region: law.region ?? null,
          jurisdiction: state.facts.jurisdiction.code,
        }),
      )
    : state.facts;
  const facts: WarrantyDecisionFacts = {
    ...base,
    assessments: next.assessments,
    remedyRefusals: next.remedyRefusals,
  };
  return decidedEvent(facts, happened.data.occurredAt, { kind: 'system' }, trigger);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function claimNotFound(claimId: string): DomainError {
  return new DomainError('claim_not_found', `Warranty claim ${claimId} was never filed`, {
    claimId,
  });
}

function alreadyFulfilled(claimId: string): DomainError {
  return new DomainError(
    'claim_already_fulfilled',
    `Warranty claim ${claimId} is already fulfilled`,
    {
      claimId,
    },
  );
}

export function foldWarrantyClaim(events: readonly WarrantyClaimEvent[]): WarrantyClaimState {
  return events.reduce(evolve, initialState());
}

export const warrantyClaimDecider = { decide, evolve, initialState } as const;
