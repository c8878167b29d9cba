/** The customer view as GET /v1/customers/{id} answers it (the fields the console shows). */
export interface CustomerView {
  customerId: string;
  now: string;
  registeredAt: string | null;
  contact: Record<string, unknown> | null;
  piiErased: boolean;
  jurisdiction: string | null;
  countryCode: string | null;
  segment: string | null;
  lastInteraction: { type: string; at: string; daysAgo: number } | null;
  purchases: { count: number; revenueByCurrency: Record<string, number> };
  products: Product[];
  openComplaints: Complaint[];
  satisfaction: { state: string; reasons: string[]; metrics: Record<string, unknown> };
  churnRisk: {
    probability: number;
    band: string;
    pAlive: number;
    horizonWeeks: number;
    purchaseModel?: string;
    weightsSource?: string;
    factors: { name: string; value: number; weight: number; contribution: number }[];
  } | null;
  clv: {
    currency: string;
    clv: number;
    pAlive: number;
    expectedPurchases: number;
    expectedAverageValue: number;
    horizonWeeks: number;
    fit: { id?: string; fittedAt?: string; window?: { from: string; to: string } };
  } | null;
  unavailable: Record<string, string>;
}

export interface Product {
  purchaseId: string;
  sku: string;
  productCategory: string;
  serialNumber: string | null;
  price: number;
  currency: string;
  purchasedAt: string;
  deliveredAt: string | null;
  returnWindowEndsAt: string;
  warranty: {
    commercialPolicyVersion: number | null;
    commercialEndsAt: string | null;
    legalGuaranteeEndsAt: string | null;
    coveredNow: boolean;
  };
}

export interface Complaint {
  complaintId: string;
  category: string;
  severity: string;
  filedAt: string;
  acknowledgedAt: string | null;
  ageDays: number;
}

export interface TimelineItem {
  position: string;
  type: string;
  occurredAt: string | null;
  recordedAt: string;
  summary: string;
}
