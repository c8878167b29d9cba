import type {
  DecidedBy,
  Defect,
  OverrideOutcome,
  RuleId,
  WarrantyOutcome,
  WarrantyRemedy,
} from '@aftercare/domain';
import type { StoredForm } from './projection';
import {
  instantIn,
  instantOut,
  optionalInstantIn,
  optionalInstantOut,
  type StoredInstant as At,
} from './stored-form';
import type { WarrantyClaimState } from './warranty-claims.projection';

/**
 * A warranty claim as stored: arrays in the state's field order, without the claim id (the key)
 * or field names. The defect and who decided stay as the events gave them.
 */

type DecisionRow = [
  outcome: WarrantyOutcome,
  remedy: WarrantyRemedy | null,
  coveredAmount: number,
  currency: string,
  policyId: string,
  policyVersion: number,
  jurisdiction: string,
  decidedAt: At,
  decidedBy: DecidedBy,
  engineVersion: string,
  factsDigest: string,
  failedRules: RuleId[],
  explanation: string | null,
];
type OverrideRow = [
  agentId: string,
  justification: string,
  at: At,
  from: WarrantyOutcome,
  to: OverrideOutcome,
  coveredAmount: number,
];
type FulfilmentRow = [
  at: At,
  remedy: WarrantyRemedy,
  amount: number,
  currency: string,
  reference: string | null,
];
type ClaimRow = [
  customerId: string | null,
  purchaseId: string | null,
  serialNumber: string | null,
  filedAt: At | null,
  defect: Defect | null,
  proofOfPurchase: boolean | null,
  claimedAmount: number | null,
  remedyRequested: WarrantyRemedy | null,
  sku: string | null,
  productCategory: string | null,
  decision: DecisionRow | null,
  overrides: OverrideRow[],
  outcome: WarrantyOutcome | 'pending',
  remedy: WarrantyRemedy | null,
  coveredAmount: number,
  currency: string | null,
  fulfilment: FulfilmentRow | null,
];

function encodeClaim(s: WarrantyClaimState): ClaimRow {
  const d = s.decision;
  const f = s.fulfilment;
  return [
    s.customerId,
    s.purchaseId,
    s.serialNumber,
    optionalInstantOut(s.filedAt),
    s.defect,
    s.proofOfPurchase,
    s.claimedAmount,
    s.remedyRequested,
    s.sku,
    s.productCategory,
    d
      ? [
          d.outcome,
          d.remedy,
          d.coveredAmount,
          d.currency,
          d.policyId,
          d.policyVersion,
          d.jurisdiction,
          instantOut(d.decidedAt),
          d.decidedBy,
          d.engineVersion,
          d.factsDigest,
          d.failedRules,
          d.explanation,
        ]
      : null,
    s.overrides.map((o) => [
      o.agentId,
      o.justification,
      instantOut(o.at),
      o.from,
      o.to,
      o.coveredAmount,
    ]),
    s.outcome,
    s.remedy,
    s.coveredAmount,
    s.currency,
    f ? [instantOut(f.at), f.remedy, f.amount, f.currency, f.reference] : null,
  ];
}

function decodeClaim(row: ClaimRow, claimId: string): WarrantyClaimState {
  const d = row[10];
  const f = row[16];
  return {
    claimId,
    customerId: row[0],
    purchaseId: row[1],
    serialNumber: row[2],
    filedAt: optionalInstantIn(row[3]),
    defect: row[4],
    proofOfPurchase: row[5],
    claimedAmount: row[6],
    remedyRequested: row[7],
    sku: row[8],
    productCategory: row[9],
    decision: d
      ? {
          outcome: d[0],
          remedy: d[1],
          coveredAmount: d[2],
          currency: d[3],
          policyId: d[4],
          policyVersion: d[5],
          jurisdiction: d[6],
          decidedAt: instantIn(d[7]),
          decidedBy: d[8],
          engineVersion: d[9],
          factsDigest: d[10],
          failedRules: d[11],
          explanation: d[12],
        }
      : null,
    overrides: row[11].map((o) => ({
      agentId: o[0],
      justification: o[1],
      at: instantIn(o[2]),
      from: o[3],
      to: o[4],
      coveredAmount: o[5],
    })),
    outcome: row[12],
    remedy: row[13],
    coveredAmount: row[14],
    currency: row[15],
    fulfilment: f
      ? { at: instantIn(f[0]), remedy: f[1], amount: f[2], currency: f[3], reference: f[4] }
      : null,
  };
}

export const storedWarrantyClaim: StoredForm<WarrantyClaimState> = {
  encode: encodeClaim,
  decode: (stored, key) => decodeClaim(stored as ClaimRow, key),
};
