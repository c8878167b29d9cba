import type {
  BillingPeriod,
  ComplaintCategory,
  ComplaintRemedy,
  ComplaintSeverity,
  ContactChannel,
  CustomerPii,
  CustomerSegment,
  JurisdictionCode,
  PurchaseWarrantyTerms,
  RepairPayer,
  RetentionAction,
  ReturnOutcome,
  SalesChannel,
} from './customer.events';
import type { Amount, CurrencyCode, DomainCommand, IsoDateTime } from './domain-event';

/** Commands a customer stream accepts, and the state its decisions read. */
type CustomerCommandData = { customerId: string; occurredAt: IsoDateTime };

export type RegisterCustomer = DomainCommand<
  'RegisterCustomer',
  CustomerCommandData & {
    pii: CustomerPii;
    jurisdiction: JurisdictionCode;
    countryCode: string;
    segment: CustomerSegment;
    signupChannel: SalesChannel;
  }
>;

export type RecordPurchase = DomainCommand<
  'RecordPurchase',
  CustomerCommandData & {
    purchaseId: string;
    orderId: string;
    sku: string;
    productCategory: string;
    serialNumber?: string;
    /** The supplier's batch (lot), where known; see SUPPLIER_BATCH_PATTERN for its form. */
    supplierBatch?: string;
    price: Amount;
    currency: CurrencyCode;
    channel: SalesChannel;
    warranty: PurchaseWarrantyTerms;
  }
>;

export type ScheduleDelivery = DomainCommand<
  'ScheduleDelivery',
  CustomerCommandData & {
    deliveryId: string;
    purchaseId: string;
    promisedFrom: IsoDateTime;
    promisedTo: IsoDateTime;
  }
>;

/** occurredAt is the delivery time. */
export type CompleteDelivery = DomainCommand<
  'CompleteDelivery',
  CustomerCommandData & { deliveryId: string }
>;

export type CompleteSetup = DomainCommand<
  'CompleteSetup',
  CustomerCommandData & { purchaseId: string }
>;

export type RecordSetupFailure = DomainCommand<
  'RecordSetupFailure',
  CustomerCommandData & { purchaseId: string; reason: string }
>;

export type FileComplaint = DomainCommand<
  'FileComplaint',
  CustomerCommandData & {
    complaintId: string;
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

export type AcknowledgeComplaint = DomainCommand<
  'AcknowledgeComplaint',
  CustomerCommandData & { complaintId: string; agentId?: string }
>;

export type EscalateComplaint = DomainCommand<
  'EscalateComplaint',
  CustomerCommandData & { complaintId: string; reason: string }
>;

export type ResolveComplaint = DomainCommand<
  'ResolveComplaint',
  CustomerCommandData & { complaintId: string; resolution: string; remedyGiven: ComplaintRemedy }
>;

export type ReopenComplaint = DomainCommand<
  'ReopenComplaint',
  CustomerCommandData & { complaintId: string; reason: string }
>;

export type RecordRepair = DomainCommand<
  'RecordRepair',
  CustomerCommandData & {
    repairId: string;
    purchaseId: string;
    serialNumber: string;
    paidBy: RepairPayer;
    cost: Amount;
    defectCode: string;
    warrantyClaimId?: string;
  }
>;

export type RequestReturn = DomainCommand<
  'RequestReturn',
  CustomerCommandData & { returnId: string; purchaseId: string; reason: string }
>;

export type CompleteReturn = DomainCommand<
  'CompleteReturn',
  CustomerCommandData & { returnId: string; outcome: ReturnOutcome; refundAmount: Amount }
>;

export type RecordFeedback = DomainCommand<
  'RecordFeedback',
  CustomerCommandData & {
    feedbackId: string;
    nps?: number;
    csat?: number;
    ces?: number;
    comment?: string;
    purchaseId?: string;
    complaintId?: string;
    channel?: ContactChannel;
  }
>;

export type RecordReferral = DomainCommand<
  'RecordReferral',
  CustomerCommandData & { referralId: string; referredCustomerId: string; channel?: ContactChannel }
>;

export type SubscribeMaintenancePlan = DomainCommand<
  'SubscribeMaintenancePlan',
  CustomerCommandData & {
    planId: string;
    purchaseId?: string;
    price: Amount;
    currency: CurrencyCode;
    billingPeriod: BillingPeriod;
  }
>;

export type CancelMaintenancePlan = DomainCommand<
  'CancelMaintenancePlan',
  CustomerCommandData & { planId: string; reason?: string }
>;

export type RecordRetentionAction = DomainCommand<
  'RecordRetentionAction',
  CustomerCommandData & {
    actionId: string;
    action: RetentionAction;
    cost: Amount;
    currency: CurrencyCode;
    agentId?: string;
    taskId?: string;
    reason?: string;
  }
>;

export type EraseCustomerPii = DomainCommand<
  'EraseCustomerPii',
  CustomerCommandData & { requestedBy: 'customer' | 'operator'; reason?: string }
>;

export type CustomerCommand =
  | RegisterCustomer
  | RecordPurchase
  | ScheduleDelivery
  | CompleteDelivery
  | CompleteSetup
  | RecordSetupFailure
  | FileComplaint
  | AcknowledgeComplaint
  | EscalateComplaint
  | ResolveComplaint
  | ReopenComplaint
  | RecordRepair
  | RequestReturn
  | CompleteReturn
  | RecordFeedback
  | RecordReferral
  | SubscribeMaintenancePlan
  | CancelMaintenancePlan
  | RecordRetentionAction
  | EraseCustomerPii;

export type CustomerCommandType = CustomerCommand['type'];

// ---------------------------------------------------------------------------------------------
// State: only what decisions need. Plain records so a state can be logged or snapshotted as JSON.
// ---------------------------------------------------------------------------------------------

export type PurchaseState = {
  purchaseId: string;
  sku: string;
  productCategory: string;
  serialNumber?: string;
  price: Amount;
  currency: CurrencyCode;
  purchasedAt: IsoDateTime;
  deliveredAt: IsoDateTime | null;
  warranty: PurchaseWarrantyTerms;
  pendingDeliveries: number;
  setupFailures: number;
  setupCompleted: boolean;
  returnId: string | null;
};

export type DeliveryState = {
  deliveryId: string;
  purchaseId: string;
  promisedFrom: IsoDateTime;
  promisedTo: IsoDateTime;
  completedAt: IsoDateTime | null;
};

export type ComplaintStatus = 'filed' | 'acknowledged' | 'resolved';

export type ComplaintState = {
  complaintId: string;
  status: ComplaintStatus;
  escalationLevel: number;
  reopenCount: number;
};

export type ReturnState = {
  returnId: string;
  purchaseId: string;
  status: 'requested' | 'completed';
};

export type CustomerState =
  | { status: 'unregistered' }
  | {
      status: 'active' | 'erased';
      customerId: string;
      jurisdiction: JurisdictionCode;
      purchases: Record<string, PurchaseState>;
      deliveries: Record<string, DeliveryState>;
      complaints: Record<string, ComplaintState>;
      returns: Record<string, ReturnState>;
      repairIds: Record<string, true>;
      feedbackIds: Record<string, true>;
      referredCustomerIds: Record<string, true>;
      plans: Record<string, 'active' | 'cancelled'>;
    };

export type KnownCustomer = Exclude<CustomerState, { status: 'unregistered' }>;

export function initialState(): CustomerState {
  return { status: 'unregistered' };
}
