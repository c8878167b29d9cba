import { Inject, Injectable } from '@nestjs/common';
import {
  WARRANTY_CLAIM_STREAM_CATEGORY,
  type PriorClaim,
  type WarrantyClaimEvent,
} from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { EVENT_STORE } from '../store/event-store.module';
import { upcastRecorded } from '../write/load-stream';

/** Earlier claims on one serial, with the outcome in effect after any override. */
export interface PriorClaimsFinder {
  claimsOnSerial(serialNumber: string): Promise<PriorClaim[]>;
}

export const PRIOR_CLAIMS_FINDER = Symbol('PRIOR_CLAIMS_FINDER');

/**
 * Scans the warranty category of $all. Linear in the number of claim events, which is fine until
 * a read model keyed by serial replaces it (bind PRIOR_CLAIMS_FINDER to that instead).
 */
@Injectable()
export class ScanningPriorClaimsFinder implements PriorClaimsFinder {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async claimsOnSerial(serialNumber: string): Promise<PriorClaim[]> {
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
        case 'WarrantyClaimFiled':
          if (event.data.serialNumber === serialNumber) {
            claims.set(event.data.claimId, {
              claimId: event.data.claimId,
              filedAt: event.data.occurredAt,
              // Until its decision is read; a claim filed without one awaits review.
              outcome: 'needs_review',
              defectCode: event.data.defect.code,
            });
          }
          break;
        case 'WarrantyClaimDecided':
        case 'WarrantyDecisionOverridden': {
          const claim = claims.get(event.data.claimId);
          if (claim) claim.outcome = event.data.outcome;
          break;
        }
        case 'WarrantyClaimFulfilled':
          break;
      }
    }
    return [...claims.values()];
  }
}
