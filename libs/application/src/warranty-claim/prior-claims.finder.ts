import { Inject, Injectable } from '@nestjs/common';
import {
  WARRANTY_CLAIM_STREAM_CATEGORY,
  type PriorClaim,
  type WarrantyClaimEvent,
} from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { EVENT_STORE } from '../store/event-store.module';
import { LogFollower } from '../store/log-follower';
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
 * Earlier claims from an index kept in memory (claims by serial and by purchase), brought up to
 * date on each call (`LogFollower`): only the first call reads every claim event (a scan of them
 * all on every claim cost ~0.8 s at 13,000 claims). Another instance's claims are read the same way.
 */
@Injectable()
export class IndexedPriorClaimsFinder implements PriorClaimsFinder {
  private readonly claims = new Map<string, PriorClaim>();
  /** Claim ids by `serial:` or `purchase:` key, in filing order. */
  private readonly byItem = new Map<string, string[]>();
  private readonly follower: LogFollower;

  constructor(@Inject(EVENT_STORE) store: EventStore) {
    this.follower = new LogFollower(
      store,
      {
        categories: [WARRANTY_CLAIM_STREAM_CATEGORY],
        eventTypePrefixes: ['WarrantyClaim', 'WarrantyDecision'],
      },
      (recorded) => this.apply(upcastRecorded(recorded) as unknown as WarrantyClaimEvent),
    );
  }

  async claimsOn(item: ClaimedItem): Promise<PriorClaim[]> {
    await this.follower.catchUp();
    const key =
      item.serialNumber !== null ? `serial:${item.serialNumber}` : `purchase:${item.purchaseId}`;
    return (this.byItem.get(key) ?? []).map((claimId) => ({ ...this.claims.get(claimId)! }));
  }

  private apply(event: WarrantyClaimEvent): void {
    switch (event.type) {
      case 'WarrantyClaimFiled': {
        const d = event.data;
        if (this.claims.has(d.claimId)) return;
        this.claims.set(d.claimId, {
          claimId: d.claimId,
          filedAt: d.occurredAt,
          // Until its decision is read; a claim filed without one awaits review.
          outcome: 'needs_review',
          defectCode: d.defect.code,
          purchaseId: d.purchaseId,
          remedy: null,
        });
        // Found by its serial (items with one) and by its purchase (items without).
        const keys = [`purchase:${d.purchaseId}`];
        if (typeof d.serialNumber === 'string') keys.push(`serial:${d.serialNumber}`);
        for (const key of keys) {
          const ids = this.byItem.get(key);
          if (ids) ids.push(d.claimId);
          else this.byItem.set(key, [d.claimId]);
        }
        break;
      }
      case 'WarrantyClaimDecided':
      case 'WarrantyDecisionOverridden': {
        const claim = this.claims.get(event.data.claimId);
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
}
