import type { Amount, CurrencyCode, DomainEvent, IsoDateTime } from './domain-event';

/**
 * Customer stream `customer-<customerId>`: the customer's whole after-sales life.
 * Every event's data carries `customerId` and `occurredAt` (business time).
 */

// ---------------------------------------------------------------------------------------------
// Vocabularies. Each is a const list (for DTO validation with `@IsIn(...)`) and its union type.
// ---------------------------------------------------------------------------------------------

/**
 * Where the customer's consumer law comes from. The warranty engine looks the code up in the
 * jurisdiction table (`jurisdictions.ts`); codes without an entry get no legal guarantee.
 */
export type JurisdictionCode = string;

export const CUSTOMER_SEGMENTS = ['consumer', 'small_business', 'enterprise'] as const;
export type CustomerSegment = (typeof CUSTOMER_SEGMENTS)[number];

export const SALES_CHANNELS = ['online', 'store', 'phone', 'marketplace', 'partner'] as const;
export type SalesChannel = (typeof SALES_CHANNELS)[number];

/**
 * A supplier batch as the edges accept it: 1-32 letters, digits, `.`, `_` or `-`, starting with a
 * letter or digit (lot codes as printed on a rating plate, e.g. `2024H1-A`). Short and plain so
 * it can key a report row and travel in a URL.
 */
export const SUPPLIER_BATCH_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
export const SUPPLIER_BATCH_MAX_LENGTH = 32;

export const CONTACT_CHANNELS = ['phone', 'email', 'chat', 'web', 'store', 'social'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

export const COMPLAINT_CATEGORIES = [
  'product_defect',
  'delivery',
  'installation',
  'billing',
  'service',
  'warranty',
  'other',
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const COMPLAINT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];

export const COMPLAINT_REMEDIES = [
  'repair',
  'replacement',
  'refund',
  'partial_refund',
  'compensation',
  'apology',
  'explanation',
  'none',
  'other',
] as const;
/** What the customer asks for (ComplaintFiled) or what they got (ComplaintResolved). */
export type ComplaintRemedy = (typeof COMPLAINT_REMEDIES)[number];

export const REPAIR_PAYERS = ['customer', 'warranty', 'goodwill'] as const;
export type RepairPayer = (typeof REPAIR_PAYERS)[number];

export const RETURN_OUTCOMES = ['refund', 'exchange'] as const;
export type ReturnOutcome = (typeof RETURN_OUTCOMES)[number];

export const BILLING_PERIODS = ['monthly', 'yearly'] as const;
export type BillingPeriod = (typeof BILLING_PERIODS)[number];

/** Delivery against its promised window: early and on_time both keep the promise. */
export const DELIVERY_TIMINGS = ['early', 'on_time', 'late'] as const;
export type DeliveryTiming = (typeof DELIVERY_TIMINGS)[number];

/** Scales of the three feedback scores, inclusive. */
export const FEEDBACK_SCALES = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
} as const;

// ---------------------------------------------------------------------------------------------
// Personal data lives apart so erasure can drop it while analytics keep the rest.
// ---------------------------------------------------------------------------------------------

export type PostalAddress = {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
};

/** Name, email, phone, address: everything erased by CustomerPiiErased. */
export type CustomerPii = {
  name: string;
  email: string;
  phone?: string;
  address?: PostalAddress;
};

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

type CustomerEventData = { customerId: string; occurredAt: IsoDateTime };

export type CustomerRegistered = DomainEvent<
  'CustomerRegistered',
  CustomerEventData & {
    /**
     * Personal data. `null` in a stored event whose PII has been redacted after erasure;
     * consumers must treat it as possibly null.
     */
    pii: CustomerPii | null;
    /** Legal regime for warranty decisions, e.g. 'EU', 'UK', 'US'. */
    jurisdiction: JurisdictionCode;
    /** ISO 3166-1 alpha-2, e.g. 'DE'. Not personal data at this granularity. */
    countryCode: string;
    segment: CustomerSegment;
    signupChannel: SalesChannel;
  }
>;

/** The warranty terms a purchase was sold under. */
export type PurchaseWarrantyTerms = {
  warrantyPolicyId: string;
  /** Days, counted from delivery (or from purchase while undelivered), to request a return. */
  returnWindowDays: number;
};

export type PurchaseRecorded = DomainEvent<
  'PurchaseRecorded',
  CustomerEventData & {
    purchaseId: string;
    orderId: string;
    sku: string;
    productCategory: string;
    /** Absent for products without a serial (consumables, accessories). */
    serialNumber?: string;
    /**
     * The supplier's batch (lot) the unit came from, where recorded: what the defect report
     * breaks rates down by. Absent in events recorded before it existed and when unknown.
     */
    supplierBatch?: string;
    price: Amount;
    currency: CurrencyCode;
    channel: SalesChannel;
    warranty: PurchaseWarrantyTerms;
  }
>;

export type DeliveryScheduled = DomainEvent<
  'DeliveryScheduled',
  CustomerEventData & {
    deliveryId: string;
    purchaseId: string;
    promisedFrom: IsoDateTime;
    promisedTo: IsoDateTime;
  }
>;

export type DeliveryCompleted = DomainEvent<
  'DeliveryCompleted',
  CustomerEventData & {
    deliveryId: string;
    purchaseId: string;
    /** Equal to occurredAt; kept explicit for readers. */
    deliveredAt: IsoDateTime;
    /** Computed by the decider: delivered no later than promisedTo. */
    onTime: boolean;
    timing: DeliveryTiming;
  }
>;

export type SetupCompleted = DomainEvent<
  'SetupCompleted',
  CustomerEventData & {
    purchaseId: string;
    /** 1 for first-visit success; computed by the decider from earlier SetupFailed events. */
    attempt: number;
  }
>;

export type SetupFailed = DomainEvent<
  'SetupFailed',
  CustomerEventData & {
    purchaseId: string;
    reason: string;
    /** Computed by the decider: 1 for the first visit. */
    attempt: number;
  }
>;

export type ComplaintFiled = DomainEvent<
  'ComplaintFiled',
  CustomerEventData & {
    complaintId: string;
    /** Absent for complaints not about one purchase (billing, service). */
    purchaseId?: string;
    category: ComplaintCategory;
    severity: ComplaintSeverity;
    channel: ContactChannel;
    remedySought: ComplaintRemedy;
    description?: string;
    /** The follow-up task whose call found the issue, when a task opened the complaint. */
    followUpTaskId?: string;
  }
>;

export type ComplaintAcknowledged = DomainEvent<
  'ComplaintAcknowledged',
  CustomerEventData & { complaintId: string; agentId?: string }
>;

export type ComplaintEscalated = DomainEvent<
  'ComplaintEscalated',
  CustomerEventData & {
    complaintId: string;
    /** 1 for the first escalation, then 2, 3, ...; computed by the decider. */
    level: number;
    reason: string;
  }
>;

export type ComplaintResolved = DomainEvent<
  'ComplaintResolved',
  CustomerEventData & {
    complaintId: string;
    resolution: string;
    remedyGiven: ComplaintRemedy;
  }
>;

/** A reopened complaint is back in progress and counts as acknowledged (see customer.decider). */
export type ComplaintReopened = DomainEvent<
  'ComplaintReopened',
  CustomerEventData & { complaintId: string; reason: string }
>;

export type RepairCompleted = DomainEvent<
  'RepairCompleted',
  CustomerEventData & {
    repairId: string;
    purchaseId: string;
    serialNumber: string;
    paidBy: RepairPayer;
    cost: Amount;
    currency: CurrencyCode;
    defectCode: string;
    /** Set when the repair fulfils a warranty claim. */
    warrantyClaimId?: string;
  }
>;

export type ReturnRequested = DomainEvent<
  'ReturnRequested',
  CustomerEventData & { returnId: string; purchaseId: string; reason: string }
>;

export type ReturnCompleted = DomainEvent<
  'ReturnCompleted',
  CustomerEventData & {
    returnId: string;
    purchaseId: string;
    outcome: ReturnOutcome;
    /** 0 for an exchange. */
    refundAmount: Amount;
    currency: CurrencyCode;
  }
>;

/**
 * Schema v2 (v1 had a single `score`, the NPS; see upcasters.ts). At least one score is present.
 */
export type FeedbackReceived = DomainEvent<
  'FeedbackReceived',
  CustomerEventData & {
    feedbackId: string;
    /** Net Promoter Score, 0-10. */
    nps?: number;
    /** Customer satisfaction, 1-5. */
    csat?: number;
    /** Customer effort score, 1-7 (1 = very easy). */
    ces?: number;
    comment?: string;
    /** What the feedback is about, when known. */
    purchaseId?: string;
    complaintId?: string;
    channel?: ContactChannel;
  }
>;

export type ReferralMade = DomainEvent<
  'ReferralMade',
  CustomerEventData & {
    referralId: string;
    referredCustomerId: string;
    channel?: ContactChannel;
  }
>;

export type MaintenancePlanSubscribed = DomainEvent<
  'MaintenancePlanSubscribed',
  CustomerEventData & {
    planId: string;
    /** The product the plan maintains, when it is one purchase. */
    purchaseId?: string;
    price: Amount;
    currency: CurrencyCode;
    billingPeriod: BillingPeriod;
  }
>;

export type MaintenancePlanCancelled = DomainEvent<
  'MaintenancePlanCancelled',
  CustomerEventData & { planId: string; reason?: string }
>;

/**
 * What the business can do for a customer to keep them (the next-best-action candidates). A
 * follow-up call after a bad incident is a `recovery_call`.
 */
export const RETENTION_ACTIONS = [
  'recovery_call',
  'goodwill_credit',
  'expedited_repair',
  'maintenance_plan_offer',
  'accessory_offer',
  'referral_ask',
  'review_request',
] as const;
export type RetentionAction = (typeof RETENTION_ACTIONS)[number];

/**
 * What each action costs the business by default, in units of the customer's currency: an
 * agent's call time, the credit given, the premium of a faster repair, the discount an offer
 * carries. A stated assumption that any deployment can replace; the model's expected values
 * subtract it.
 */
export const DEFAULT_RETENTION_ACTION_COSTS: Readonly<Record<RetentionAction, number>> = {
  recovery_call: 8,
  goodwill_credit: 30,
  expedited_repair: 45,
  maintenance_plan_offer: 4,
  accessory_offer: 3,
  referral_ask: 2,
  review_request: 1,
};

/**
 * An action taken to keep a customer, with what it cost the business. Recorded whether it was
 * suggested by the next-best-action model, a playbook task (`taskId`) or an agent's own choice,
 * so the store's history shows who got what, when: the evidence the model learns its effects from.
 */
export type RetentionActionTaken = DomainEvent<
  'RetentionActionTaken',
  CustomerEventData & {
    actionId: string;
    action: RetentionAction;
    /** What the action cost the business (credit given, call time, repair premium). */
    cost: Amount;
    currency: CurrencyCode;
    agentId?: string;
    /** The follow-up task it completed, when a playbook asked for it. */
    taskId?: string;
    /** Why it was taken (free text, e.g. the rule or incident behind it). */
    reason?: string;
  }
>;

/** After this, only this fact is recorded; the store may redact CustomerRegistered.pii. */
export type CustomerPiiErased = DomainEvent<
  'CustomerPiiErased',
  CustomerEventData & {
    /** Who asked: the customer (GDPR art. 17 request) or an operator. */
    requestedBy: 'customer' | 'operator';
    reason?: string;
  }
>;

export type CustomerEvent =
  | CustomerRegistered
  | PurchaseRecorded
  | DeliveryScheduled
  | DeliveryCompleted
  | SetupCompleted
  | SetupFailed
  | ComplaintFiled
  | ComplaintAcknowledged
  | ComplaintEscalated
  | ComplaintResolved
  | ComplaintReopened
  | RepairCompleted
  | ReturnRequested
  | ReturnCompleted
  | FeedbackReceived
  | ReferralMade
  | MaintenancePlanSubscribed
  | MaintenancePlanCancelled
  | RetentionActionTaken
  | CustomerPiiErased;

export type CustomerEventType = CustomerEvent['type'];

export const CUSTOMER_EVENT_TYPES = [
  'CustomerRegistered',
  'PurchaseRecorded',
  'DeliveryScheduled',
  'DeliveryCompleted',
  'SetupCompleted',
  'SetupFailed',
  'ComplaintFiled',
  'ComplaintAcknowledged',
  'ComplaintEscalated',
  'ComplaintResolved',
  'ComplaintReopened',
  'RepairCompleted',
  'ReturnRequested',
  'ReturnCompleted',
  'FeedbackReceived',
  'ReferralMade',
  'MaintenancePlanSubscribed',
  'MaintenancePlanCancelled',
  'RetentionActionTaken',
  'CustomerPiiErased',
] as const satisfies readonly CustomerEventType[];

export const CUSTOMER_STREAM_CATEGORY = 'customer';
export const customerStreamId = (customerId: string): string =>
  `${CUSTOMER_STREAM_CATEGORY}-${customerId}`;

export function isCustomerEvent(event: { type: string }): event is CustomerEvent {
  return (CUSTOMER_EVENT_TYPES as readonly string[]).includes(event.type);
}
