/**
 * Defects, repairs and warranty claims of a simulated customer: a defect is claimed (decided by
 * the warranty engine in the domain, sometimes overridden by an agent), complained about, or
 * repaired outside warranty; it may come back (less often under a maintenance plan).
 */
import type { Defect, PriorClaim, WarrantyClaimState, WarrantyRemedy } from '@aftercare/domain';
import { initialWarrantyClaimState, warrantyClaimStreamId } from '@aftercare/domain';
import { complain } from './complaints.simulation';
import type { CustomerSimulation, SimulatedStream } from './customer.simulation';
import { feel } from './experience.simulation';
import type { PurchaseSim } from './purchases.simulation';
import { CAUSES, CAUSE_WEIGHTS, SEVERITIES } from './simulation.vocabulary';
import { iso, round2 } from './simulation.units';

export type ClaimSim = {
  stream: SimulatedStream;
  state: WarrantyClaimState;
  purchase: PurchaseSim;
  prior: PriorClaim;
  repairCost: number;
};

/** A defect shows on a unit; `code` when the cause fixes it (a bad batch), else drawn. */
export function defectAppears(
  life: CustomerSimulation,
  p: PurchaseSim,
  occurrence: number,
  code?: string,
): void {
  if (p.refunded || p.serialNumber === undefined) return;
  const rng = life.rng;
  feel(life, -0.3);
  const defect: Defect = {
    code: code ?? rng.pick(p.product.defectCodes),
    description: `${p.product.name}: reported fault`,
    cause: rng.weighted(CAUSES, CAUSE_WEIGHTS),
  };
  const route = rng.next();
  if (route < 0.65) {
    life.after(rng.uniform(0, 3), () => fileClaim(life, p, defect));
  } else if (route < 0.87) {
    complain(life, {
      category: 'product_defect',
      purchase: p,
      severity: rng.pick(SEVERITIES),
      remedySought: rng.pick(['repair', 'replacement', 'refund'] as const),
    });
    life.after(rng.uniform(0.5, 5), () => fileClaim(life, p, defect));
  } else {
    // Fixed outside warranty: a paid repair, or goodwill after a complaint.
    const goodwill = rng.chance(0.3);
    if (goodwill) complain(life, { category: 'product_defect', purchase: p, severity: 'medium' });
    life.after(rng.uniform(2, 20), () =>
      repair(
        life,
        p,
        defect.code,
        goodwill ? 'goodwill' : 'customer',
        round2(p.price * rng.uniform(0.08, 0.4)),
      ),
    );
  }
  if (occurrence < 4 && rng.chance(0.22 * life.repeatDefectFactor)) {
    life.after(rng.uniform(30, 400), () => defectAppears(life, p, occurrence + 1));
  }
}

function repair(
  life: CustomerSimulation,
  p: PurchaseSim,
  defectCode: string,
  paidBy: 'customer' | 'warranty' | 'goodwill',
  cost: number,
  warrantyClaimId?: string,
): string | undefined {
  if (p.serialNumber === undefined) return undefined;
  const repairId = life.id();
  const ok = life.customerCommand({
    type: 'RecordRepair',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      repairId,
      purchaseId: p.purchaseId,
      serialNumber: p.serialNumber,
      paidBy,
      cost,
      defectCode,
      ...(warrantyClaimId !== undefined ? { warrantyClaimId } : {}),
    },
  });
  if (!ok) return undefined;
  if (paidBy === 'customer') feel(life, -0.25);
  return repairId;
}

function fileClaim(life: CustomerSimulation, p: PurchaseSim, defect: Defect): void {
  if (p.refunded || p.serialNumber === undefined || life.state.status !== 'active') return;
  const rng = life.rng;
  const snapshot = life.state.purchases[p.purchaseId];
  if (!snapshot) return;
  const claimId = life.id();
  const repairCost = round2(p.price * rng.uniform(0.08, 0.45));
  const remedyRequested: WarrantyRemedy | undefined = rng.chance(0.15)
    ? 'refund'
    : rng.chance(0.12)
      ? 'replace'
      : undefined;
  const prior = life.priorClaimsBySerial.get(p.serialNumber) ?? [];
  const claim: ClaimSim = {
    stream: { streamId: warrantyClaimStreamId(claimId), events: [], commands: [] },
    state: initialWarrantyClaimState(),
    purchase: p,
    prior: { claimId, filedAt: iso(life.now), outcome: 'needs_review', defectCode: defect.code },
    repairCost,
  };
  const ok = life.claimCommand(
    claim,
    {
      type: 'FileWarrantyClaim',
      data: {
        claimId,
        customerId: life.customerId,
        occurredAt: iso(life.now),
        purchaseId: p.purchaseId,
        serialNumber: p.serialNumber,
        defect,
        evidence: {
          proofOfPurchase: rng.chance(0.93),
          ...(rng.chance(0.5) ? { photos: [`photo-${rng.hex(8)}`] } : {}),
        },
        ...(rng.chance(0.6) ? { claimedAmount: repairCost } : {}),
        ...(remedyRequested !== undefined ? { remedyRequested } : {}),
        purchase: {
          purchaseId: snapshot.purchaseId,
          customerId: life.customerId,
          sku: snapshot.sku,
          productCategory: snapshot.productCategory,
          ...(snapshot.serialNumber !== undefined ? { serialNumber: snapshot.serialNumber } : {}),
          price: snapshot.price,
          currency: snapshot.currency,
          purchasedAt: snapshot.purchasedAt,
          deliveredAt: snapshot.deliveredAt,
          warrantyPolicyId: snapshot.warranty.warrantyPolicyId,
        },
        // Copies: later overrides change the outcome in effect, not facts already recorded.
        priorClaims: prior.map((c) => ({ ...c })),
        policyVersions: life.world.policyVersions[snapshot.warranty.warrantyPolicyId] ?? [],
        jurisdiction: life.region.jurisdiction,
        decidedBy: { kind: 'system' },
      },
    },
    'system:warranty-engine',
  );
  if (!ok) return;
  life.claims.push(claim);
  const outcome = claim.state.status === 'none' ? 'needs_review' : claim.state.outcome;
  claim.prior.outcome = outcome ?? 'needs_review';
  prior.push(claim.prior);
  life.priorClaimsBySerial.set(p.serialNumber, prior);

  if (outcome === 'approved') {
    feel(life, 0.1);
    life.after(rng.logNormal(6, 0.7), () => fulfil(life, claim, defect.code));
  } else if (outcome === 'rejected') {
    feel(life, -0.8);
    afterRejection(life, claim, defect);
  } else {
    feel(life, -0.15);
    life.after(rng.logNormal(5, 0.8), () => {
      const approve = rng.chance(0.6);
      if (
        overrideDecision(
          life,
          claim,
          approve,
          approve ? 'Reviewed: defect confirmed' : 'Reviewed: not covered',
        )
      ) {
        if (approve) {
          feel(life, 0.1);
          life.after(rng.logNormal(5, 0.7), () => fulfil(life, claim, defect.code));
        } else {
          feel(life, -0.7);
          afterRejection(life, claim, defect);
        }
      }
    });
  }
}

function afterRejection(life: CustomerSimulation, claim: ClaimSim, defect: Defect): void {
  const rng = life.rng;
  const p = claim.purchase;
  const r = rng.next();
  if (r < 0.3) {
    complain(life, {
      category: 'warranty',
      purchase: p,
      severity: 'high',
      remedySought: 'repair',
      onResolved: (satisfied) => {
        if (
          satisfied &&
          rng.chance(0.35) &&
          overrideDecision(life, claim, true, 'Goodwill after complaint')
        ) {
          life.after(rng.uniform(1, 10), () => fulfil(life, claim, defect.code));
        }
      },
    });
  } else if (r < 0.75) {
    life.after(rng.uniform(3, 25), () =>
      repair(life, p, defect.code, 'customer', claim.repairCost),
    );
  }
}

function overrideDecision(
  life: CustomerSimulation,
  claim: ClaimSim,
  approve: boolean,
  justification: string,
): boolean {
  const state = claim.state;
  if (state.status === 'none') return false;
  const remedy: WarrantyRemedy = state.remedy ?? 'repair';
  const coveredAmount = approve ? round2(Math.min(claim.repairCost, state.price)) : 0;
  const ok = life.claimCommand(
    claim,
    {
      type: 'OverrideWarrantyDecision',
      data: {
        claimId: state.claimId,
        occurredAt: iso(life.now),
        agentId: `agent-${life.rng.int(1, 40)}`,
        justification,
        outcome: approve ? 'approved' : 'rejected',
        remedy: approve ? remedy : null,
        coveredAmount,
      },
    },
    `agent:${justification.startsWith('Goodwill') ? 'supervisor' : 'claims'}`,
  );
  if (ok) claim.prior.outcome = approve ? 'approved' : 'rejected';
  return ok;
}

function fulfil(life: CustomerSimulation, claim: ClaimSim, defectCode: string): void {
  const state = claim.state;
  if (state.status !== 'decided' || state.outcome !== 'approved') return;
  const rng = life.rng;
  let reference: string | undefined;
  if (state.remedy === 'repair') {
    reference = repair(
      life,
      claim.purchase,
      defectCode,
      'warranty',
      claim.repairCost,
      state.claimId,
    );
  } else if (state.remedy === 'replace') {
    reference = `RPL-${rng.hex(10)}`;
  } else {
    reference = `RF-${rng.hex(10)}`;
  }
  const ok = life.claimCommand(
    claim,
    {
      type: 'FulfilWarrantyClaim',
      data: {
        claimId: state.claimId,
        occurredAt: iso(life.now),
        ...(reference !== undefined ? { reference } : {}),
      },
    },
    'system:seed',
  );
  if (ok) feel(life, 0.15);
}
