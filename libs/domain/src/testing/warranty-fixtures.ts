import { DEFAULT_JURISDICTIONS } from '../jurisdictions';
import type {
  PurchaseSnapshot,
  WarrantyDecisionFactsV1 as WarrantyDecisionFacts,
} from '../warranty-claim.events';
import type { WarrantyPolicyTerms, WarrantyPolicyVersion } from '../warranty-policy.events';

/** Shared test data for the warranty engine and the claim decider. */

export const TERMS: WarrantyPolicyTerms = {
  coverageMonths: { default: 12, byCategory: { television: 36 } },
  exclusions: ['accidental_damage', 'misuse', 'unauthorised_repair'],
  requireProofOfPurchase: true,
  repeatClaimThreshold: 2,
  remedyRules: [{ maxAgeDays: 30, remedy: 'replace' }],
  defaultRemedy: 'repair',
  maxCoveredAmountRatio: 0.8,
};

export const POLICY_V1: WarrantyPolicyVersion = {
  policyId: 'std',
  version: 1,
  effectiveFrom: '2023-01-01T00:00:00.000Z',
  terms: TERMS,
};

export const PURCHASE: PurchaseSnapshot = {
  purchaseId: 'p-1',
  customerId: 'cust-1',
  sku: 'WM-200',
  productCategory: 'washing_machine',
  serialNumber: 'SN-1',
  price: 500,
  currency: 'EUR',
  purchasedAt: '2024-01-01T10:00:00.000Z',
  deliveredAt: '2024-01-05T10:00:00.000Z',
  warrantyPolicyId: 'std',
};

type FactsOverrides = {
  filedAt?: string;
  cause?: WarrantyDecisionFacts['claim']['defect']['cause'];
  proofOfPurchase?: boolean;
  claimedAmount?: number;
  remedyRequested?: WarrantyDecisionFacts['claim']['remedyRequested'];
  purchase?: Partial<PurchaseSnapshot>;
  terms?: Partial<WarrantyPolicyTerms>;
  jurisdiction?: keyof typeof DEFAULT_JURISDICTIONS;
  priorClaims?: WarrantyDecisionFacts['priorClaims'];
};

export function facts(o: FactsOverrides = {}): WarrantyDecisionFacts {
  return {
    claim: {
      claimId: 'w-1',
      customerId: 'cust-1',
      purchaseId: 'p-1',
      serialNumber: 'SN-1',
      filedAt: o.filedAt ?? '2024-03-01T10:00:00.000Z',
      defect: {
        code: 'PUMP-01',
        description: 'Drum does not drain',
        cause: o.cause ?? 'manufacturing',
      },
      evidence: { proofOfPurchase: o.proofOfPurchase ?? true, photos: ['photo-1'] },
      ...(o.claimedAmount !== undefined ? { claimedAmount: o.claimedAmount } : {}),
      ...(o.remedyRequested !== undefined ? { remedyRequested: o.remedyRequested } : {}),
    },
    purchase: { ...PURCHASE, ...o.purchase },
    priorClaims: o.priorClaims ?? [],
    policy: { ...POLICY_V1, terms: { ...TERMS, ...o.terms } },
    jurisdiction: DEFAULT_JURISDICTIONS[o.jurisdiction ?? 'EU'],
  };
}
