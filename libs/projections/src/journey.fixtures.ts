import type { AftercareEvent, EventData } from '@aftercare/domain';

/** A customer journey for the projection specs: bought, delivered late, complained, repaired. */
export const CUSTOMER = 'cust-1';

export const registered = (at = '2024-01-01T10:00:00Z'): AftercareEvent => ({
  type: 'CustomerRegistered',
  data: {
    customerId: CUSTOMER,
    occurredAt: at,
    pii: {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: '+44 1',
      address: { line1: '1 St', city: 'London', postalCode: 'N1', country: 'GB' },
    },
    jurisdiction: 'EU',
    countryCode: 'DE',
    segment: 'consumer',
    signupChannel: 'online',
  },
});

export const purchase = (
  purchaseId: string,
  at: string,
  price = 100,
  extra: Partial<EventData<'PurchaseRecorded'>> = {},
): AftercareEvent => ({
  type: 'PurchaseRecorded',
  data: {
    customerId: CUSTOMER,
    occurredAt: at,
    purchaseId,
    orderId: `o-${purchaseId}`,
    sku: 'WASHER-1',
    productCategory: 'appliance',
    serialNumber: `SN-${purchaseId}`,
    price,
    currency: 'EUR',
    channel: 'online',
    warranty: { warrantyPolicyId: 'std', returnWindowDays: 30 },
    ...extra,
  },
});

export const delivered = (purchaseId: string, at: string, onTime: boolean): AftercareEvent => ({
  type: 'DeliveryCompleted',
  data: {
    customerId: CUSTOMER,
    occurredAt: at,
    deliveryId: `d-${purchaseId}`,
    purchaseId,
    deliveredAt: at,
    onTime,
    timing: onTime ? 'on_time' : 'late',
  },
});

export const complaint = (
  complaintId: string,
  at: string,
  severity: EventData<'ComplaintFiled'>['severity'] = 'medium',
  purchaseId?: string,
): AftercareEvent => ({
  type: 'ComplaintFiled',
  data: {
    customerId: CUSTOMER,
    occurredAt: at,
    complaintId,
    purchaseId,
    category: 'delivery',
    severity,
    channel: 'email',
    remedySought: 'apology',
  },
});

export const acknowledged = (complaintId: string, at: string): AftercareEvent => ({
  type: 'ComplaintAcknowledged',
  data: { customerId: CUSTOMER, occurredAt: at, complaintId },
});

export const resolved = (complaintId: string, at: string): AftercareEvent => ({
  type: 'ComplaintResolved',
  data: {
    customerId: CUSTOMER,
    occurredAt: at,
    complaintId,
    resolution: 'sorted',
    remedyGiven: 'apology',
  },
});

export const reopened = (complaintId: string, at: string): AftercareEvent => ({
  type: 'ComplaintReopened',
  data: { customerId: CUSTOMER, occurredAt: at, complaintId, reason: 'not sorted' },
});

export const escalated = (complaintId: string, at: string): AftercareEvent => ({
  type: 'ComplaintEscalated',
  data: { customerId: CUSTOMER, occurredAt: at, complaintId, level: 1, reason: 'slow' },
});

export const feedback = (
  at: string,
  scores: { nps?: number; csat?: number; ces?: number },
): AftercareEvent => ({
  type: 'FeedbackReceived',
  data: { customerId: CUSTOMER, occurredAt: at, feedbackId: `f-${at}`, ...scores },
});

export const repair = (
  repairId: string,
  purchaseId: string,
  at: string,
  paidBy: EventData<'RepairCompleted'>['paidBy'],
  cost: number,
  warrantyClaimId?: string,
): AftercareEvent => ({
  type: 'RepairCompleted',
  data: {
    customerId: CUSTOMER,
    occurredAt: at,
    repairId,
    purchaseId,
    serialNumber: `SN-${purchaseId}`,
    paidBy,
    cost,
    currency: 'EUR',
    defectCode: 'E42',
    warrantyClaimId,
  },
});

export const refunded = (
  returnId: string,
  purchaseId: string,
  at: string,
  amount: number,
): AftercareEvent => ({
  type: 'ReturnCompleted',
  data: {
    customerId: CUSTOMER,
    occurredAt: at,
    returnId,
    purchaseId,
    outcome: 'refund',
    refundAmount: amount,
    currency: 'EUR',
  },
});

export const setupFailed = (purchaseId: string, at: string): AftercareEvent => ({
  type: 'SetupFailed',
  data: { customerId: CUSTOMER, occurredAt: at, purchaseId, reason: 'no water', attempt: 1 },
});

export const claimFiled = (claimId: string, purchaseId: string, at: string): AftercareEvent => ({
  type: 'WarrantyClaimFiled',
  data: {
    claimId,
    customerId: CUSTOMER,
    occurredAt: at,
    purchaseId,
    serialNumber: `SN-${purchaseId}`,
    noticedAt: at,
    defect: { code: 'E42', description: 'no power' },
    symptom: 'no power',
    suspectedCause: 'manufacturing',
    evidence: { proofOfPurchase: true },
  },
});

export const claimDecided = (
  claimId: string,
  purchaseId: string,
  at: string,
  outcome: EventData<'WarrantyClaimDecided'>['outcome'],
  coveredAmount: number,
): AftercareEvent => ({
  type: 'WarrantyClaimDecided',
  data: {
    claimId,
    customerId: CUSTOMER,
    occurredAt: at,
    outcome,
    remedy: outcome === 'approved' ? 'repair' : null,
    coveredAmount,
    currency: 'EUR',
    policyId: 'std',
    policyVersion: 2,
    jurisdiction: 'EU',
    ruleTrace: [
      {
        ruleId: 'commercial_coverage_period',
        description: 'within coverage',
        inputs: {},
        result: outcome === 'approved' ? 'passed' : 'failed',
        effect: outcome === 'approved' ? 'cover' : 'no_cover',
        explanation: 'coverage',
      },
      {
        ruleId: 'outcome',
        description: 'outcome',
        inputs: {},
        result: 'passed',
        effect: 'none',
        explanation: `The claim is ${outcome}.`,
      },
    ],
    facts: {
      claim: {
        claimId,
        customerId: CUSTOMER,
        purchaseId,
        serialNumber: `SN-${purchaseId}`,
        filedAt: at,
        defect: { code: 'E42', description: 'no power', cause: 'manufacturing' },
        evidence: { proofOfPurchase: true },
      },
      purchase: {
        purchaseId,
        customerId: CUSTOMER,
        sku: 'WASHER-1',
        productCategory: 'appliance',
        serialNumber: `SN-${purchaseId}`,
        price: 100,
        currency: 'EUR',
        purchasedAt: '2024-02-01T10:00:00Z',
        deliveredAt: null,
        warrantyPolicyId: 'std',
      },
      priorClaims: [],
      policy: {
        policyId: 'std',
        version: 2,
        effectiveFrom: '2024-01-01T00:00:00Z',
        terms: {
          coverageMonths: { default: 12, byCategory: {} },
          exclusions: [],
          requireProofOfPurchase: true,
          repeatClaimThreshold: null,
          remedyRules: [],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 1,
        },
      },
      jurisdiction: {
        code: 'EU',
        legalGuaranteeMonths: 24,
        presumptionMonths: 12,
        excludedCauses: [],
        shortTermRejectDays: null,
        source: 'test',
      },
    },
    factsDigest: 'abc',
    engineVersion: '1',
    decidedBy: { kind: 'system' },
  },
});

export const claimOverridden = (claimId: string, at: string): AftercareEvent => ({
  type: 'WarrantyDecisionOverridden',
  data: {
    claimId,
    customerId: CUSTOMER,
    occurredAt: at,
    agentId: 'agent-7',
    justification: 'goodwill',
    previous: { outcome: 'rejected', remedy: null, coveredAmount: 0 },
    outcome: 'approved',
    remedy: 'repair',
    coveredAmount: 60,
  },
});

export const claimFulfilled = (claimId: string, at: string, amount: number): AftercareEvent => ({
  type: 'WarrantyClaimFulfilled',
  data: {
    claimId,
    customerId: CUSTOMER,
    occurredAt: at,
    remedy: 'repair',
    amount,
    currency: 'EUR',
  },
});

export const piiErased = (at: string): AftercareEvent => ({
  type: 'CustomerPiiErased',
  data: { customerId: CUSTOMER, occurredAt: at, requestedBy: 'customer' },
});

const promiseBase = (promiseId: string, at: string) => ({
  promiseId,
  customerId: CUSTOMER,
  occurredAt: at,
  agentId: 'agent-7',
  queue: 'customer-care',
});

export const promiseMade = (promiseId: string, at: string, dueAt: string): AftercareEvent => ({
  type: 'PromiseMade',
  data: { ...promiseBase(promiseId, at), text: 'Technician on Tuesday', dueAt },
});

export const promiseKept = (promiseId: string, at: string, dueAt: string): AftercareEvent => ({
  type: 'PromiseKept',
  data: { ...promiseBase(promiseId, at), dueAt, recordedBy: 'agent-7' },
});

export const promiseBroken = (promiseId: string, at: string, dueAt: string): AftercareEvent => ({
  type: 'PromiseBroken',
  data: { ...promiseBase(promiseId, at), dueAt, reason: 'overdue', recordedBy: 'system' },
});

export const followUpOverdue = (taskId: string, at: string, dueAt: string): AftercareEvent => ({
  type: 'FollowUpTaskOverdue',
  data: { taskId, customerId: CUSTOMER, occurredAt: at, dueAt },
});
