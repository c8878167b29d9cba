/**
 * Why a command was refused. `code` is stable (clients and tests match on it), `kind` tells the
 * API which status to answer with, `message` is for humans.
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'invalid';

/** Every code and its kind. The API maps kinds: not_found -> 404, conflict -> 409, invalid -> 422. */
export const DOMAIN_ERROR_KINDS = {
  // Customer
  customer_not_found: 'not_found',
  customer_already_registered: 'conflict',
  customer_erased: 'conflict',
  // Purchases and deliveries
  duplicate_purchase: 'conflict',
  purchase_not_found: 'not_found',
  purchase_not_delivered: 'conflict',
  purchase_already_delivered: 'conflict',
  duplicate_delivery: 'conflict',
  delivery_not_found: 'not_found',
  delivery_already_completed: 'conflict',
  invalid_delivery_window: 'invalid',
  setup_already_completed: 'conflict',
  // Complaints
  duplicate_complaint: 'conflict',
  complaint_not_found: 'not_found',
  complaint_already_acknowledged: 'conflict',
  complaint_not_acknowledged: 'conflict',
  complaint_already_resolved: 'conflict',
  complaint_not_resolved: 'conflict',
  // Repairs and returns
  duplicate_repair: 'conflict',
  serial_number_mismatch: 'invalid',
  duplicate_return: 'conflict',
  return_already_requested: 'conflict',
  return_window_closed: 'conflict',
  return_not_found: 'not_found',
  return_already_completed: 'conflict',
  refund_exceeds_price: 'invalid',
  // Feedback, referrals, plans
  duplicate_feedback: 'conflict',
  unknown_retention_action: 'invalid',
  feedback_score_required: 'invalid',
  score_out_of_range: 'invalid',
  self_referral: 'invalid',
  duplicate_referral: 'conflict',
  maintenance_plan_already_active: 'conflict',
  maintenance_plan_not_found: 'not_found',
  maintenance_plan_already_cancelled: 'conflict',
  // Warranty claims
  claim_already_filed: 'conflict',
  claim_not_found: 'not_found',
  claim_not_approved: 'conflict',
  claim_already_fulfilled: 'conflict',
  claim_before_purchase: 'invalid',
  justification_required: 'invalid',
  agent_required: 'invalid',
  invalid_override: 'invalid',
  covered_amount_exceeds_price: 'invalid',
  warranty_policy_not_found: 'not_found',
  warranty_policy_not_in_force: 'conflict',
  claim_not_decided: 'conflict',
  noticed_after_filing: 'invalid',
  noticed_before_purchase: 'invalid',
  assessor_required: 'invalid',
  invalid_remedy_refusal: 'invalid',
  // Warranty policies
  policy_version_conflict: 'conflict',
  invalid_policy_terms: 'invalid',
  policy_effective_date_not_increasing: 'conflict',
  // Follow-up tasks, playbooks and promises
  task_already_exists: 'conflict',
  task_not_found: 'not_found',
  task_already_completed: 'conflict',
  task_not_due: 'conflict',
  invalid_task: 'invalid',
  playbook_version_conflict: 'conflict',
  invalid_playbook: 'invalid',
  promise_already_made: 'conflict',
  promise_not_found: 'not_found',
  promise_already_settled: 'conflict',
  promise_not_due: 'conflict',
  invalid_promise: 'invalid',
  // Anywhere
  invalid_amount: 'invalid',
  invalid_timestamp: 'invalid',
  unknown_schema_version: 'invalid',
} as const satisfies Record<string, DomainErrorKind>;

export type DomainErrorCode = keyof typeof DOMAIN_ERROR_KINDS;

export class DomainError extends Error {
  readonly kind: DomainErrorKind;

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.kind = DOMAIN_ERROR_KINDS[code];
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
