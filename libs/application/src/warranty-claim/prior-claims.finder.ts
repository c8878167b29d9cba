import { Inject, Injectable } from '@nestjs/common';
import {
  WARRANTY_CLAIM_STREAM_CATEGORY,
  type PriorClaim,
  type WarrantyClaimEvent,
} from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { EVENT_STORE } from '../store/event-store.module';
import { upcastRecorded } from '../write/load-stream';

/** What a claim is on: its serial when the purchase has one, else the purchase. */
export type ClaimedItem = { serialNumber: string | null; purchaseId: string };

/**
 * Earlier claims on one item (the same serial, or the same purchase when it has no serial), with
 * the outcome and remedy in effect after any re-decision or override.
 */
export interface PriorClaimsFinder {
  claimsOn(item: ClaimedItem): Promise<PriorClaim[]>;
}

export const PRIOR_CLAIMS_FINDER = Symbol('PRIOR_CLAIMS_FINDER');

/**
 * Scans the warranty category of $all. Linear in the number of claim events, which is fine until
 * a read model keyed by serial replaces it (bind PRIOR_CLAIMS_FINDER to that instead).
 */
@Injectable()
export class ScanningPriorClaimsFinder implements PriorClaimsFinder {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async claimsOn(item: ClaimedItem): Promise<PriorClaim[]> {
    const claims = new Map<string, PriorClaim>();
    const events = this.store.readAll({
      filter: {
        categories: [WARRANTY_CLAIM_STREAM_CATEGORY],
        eventTypePrefixes: ['WarrantyClaim', 'WarrantyDecision'],
      },
    });
    for await (const recorded of events) {
      const event = upcastRecorded(recorded) as unknown as WarrantyClaimEvent;
      switch (event.type) {
        case 'WarrantyClaimFiled': {
          const d = event.data;
          const same =
            item.serialNumber !== null
              ? d.serialNumber === item.serialNumber
              : d.purchaseId === item.purchaseId;
          if (same) {
            claims.set(d.claimId, {
              claimId: d.claimId,
              filedAt: d.occurredAt,
              // Until its decision is read; a claim filed without one awaits review.
              outcome: 'needs_review',
              defectCode: d.defect.code,
              purchaseId: d.purchaseId,
              remedy: null,
            });
          }
          break;
        }
        case 'WarrantyClaimDecided':
        case 'WarrantyDecisionOverridden': {
          const claim = claims.get(event.data.claimId);
          if (claim) {
            claim.outcome = event.data.outcome;
            claim.remedy = event.data.remedy;
          }
          break;
        }
        case 'WarrantyClaimAssessed':
        case 'WarrantyRemedyRefused':
        case 'WarrantyClaimFulfilled':
          break;
      }
    }
    return [...claims.values()];
  }
}
