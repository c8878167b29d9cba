import type { ComplaintSeverity } from '@aftercare/domain';

/**
 * Handling targets for complaints by severity, in the spirit of ISO 10002 (prompt acknowledgement,
 * resolution within a stated time, the more serious the sooner). Both clocks start when the
 * complaint was filed; a reopening does not restart them.
 *
 * | severity | acknowledge within | resolve within |
 * |----------|--------------------|----------------|
 * | critical | 24 hours           | 5 days         |
 * | high     | 24 hours           | 10 days        |
 * | medium   | 48 hours           | 10 days        |
 * | low      | 72 hours           | 15 days        |
 */
export interface ComplaintTarget {
  acknowledgeWithinHours: number;
  resolveWithinHours: number;
}

export const COMPLAINT_TARGETS: Readonly<Record<ComplaintSeverity, ComplaintTarget>> = {
  critical: { acknowledgeWithinHours: 24, resolveWithinHours: 5 * 24 },
  high: { acknowledgeWithinHours: 24, resolveWithinHours: 10 * 24 },
  medium: { acknowledgeWithinHours: 48, resolveWithinHours: 10 * 24 },
  low: { acknowledgeWithinHours: 72, resolveWithinHours: 15 * 24 },
};
