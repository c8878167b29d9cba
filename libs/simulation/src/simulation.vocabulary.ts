import type {
  ComplaintSeverity,
  ContactChannel,
  CustomerSegment,
  DefectCause,
  SalesChannel,
} from '@aftercare/domain';

/** What simulated customers say and choose, with how often they choose it. */
export const SEGMENTS: readonly CustomerSegment[] = ['consumer', 'small_business', 'enterprise'];
export const SEGMENT_WEIGHTS = [0.86, 0.11, 0.03];
export const SALES_CHANNELS: readonly SalesChannel[] = [
  'online',
  'store',
  'marketplace',
  'phone',
  'partner',
];
export const SALES_CHANNEL_WEIGHTS = [0.55, 0.25, 0.1, 0.05, 0.05];
export const CONTACT_CHANNELS: readonly ContactChannel[] = [
  'phone',
  'email',
  'chat',
  'web',
  'store',
  'social',
];
export const CONTACT_CHANNEL_WEIGHTS = [0.3, 0.25, 0.2, 0.15, 0.06, 0.04];
export const CAUSES: readonly DefectCause[] = [
  'manufacturing',
  'wear',
  'accidental_damage',
  'misuse',
  'unauthorised_repair',
  'unknown',
];
export const CAUSE_WEIGHTS = [0.68, 0.1, 0.09, 0.04, 0.03, 0.06];
export const SEVERITIES: readonly ComplaintSeverity[] = ['low', 'medium', 'high', 'critical'];
export const SETUP_FAILURES = [
  'missing parts',
  'incompatible connection',
  'technician no-show',
  'unit dead on arrival',
  'wall mount unsuitable',
  'network pairing failed',
];
export const RETURN_REASONS = [
  'changed mind',
  'not as described',
  'found cheaper',
  'too large',
  'faulty',
];
export const RESOLUTIONS = [
  'Replaced the faulty part',
  'Refund issued',
  'Explained the billing line',
  'Voucher sent',
  'Engineer visit booked and done',
  'Apologised and corrected the record',
];
export const ESCALATION_REASONS = [
  'No response within SLA',
  'Customer asked for a manager',
  'Needs specialist',
];
export const REOPEN_REASONS = ['Problem came back', 'Remedy not received', 'Customer disagrees'];
export const GOOD_COMMENTS = ['Great service', 'Fast delivery', 'Very happy', 'Easy to set up'];
export const MIXED_COMMENTS = ['OK overall', 'Took a while', 'Fine, nothing special'];
export const BAD_COMMENTS = ['Still waiting', 'Terrible support', 'Never again', 'Broke twice'];
