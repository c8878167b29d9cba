import { ApiProperty } from '@nestjs/swagger';
import { CHURN_BAND_VALUES } from '@aftercare/application';

/**
 * Response schemas of the customer reads. They name every field a client relies on; nested
 * detail that grows with the projections (metrics, factors, fits) is an open object, so adding a
 * field never breaks a client validating against this document.
 */

const SATISFACTION_LEVELS = ['delighted', 'satisfied', 'neutral', 'at_risk', 'dissatisfied'];
const OPEN = { type: 'object', additionalProperties: true } as const;
const BY_CURRENCY = {
  type: 'object',
  additionalProperties: { type: 'number' },
  example: { EUR: 899 },
} as const;

export class LastInteractionDto {
  @ApiProperty({ example: 'FeedbackReceived' }) type!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 3 }) daysAgo!: number;
}

export class PurchasesSummaryDto {
  @ApiProperty({ example: 1 }) count!: number;
  @ApiProperty(BY_CURRENCY) revenueByCurrency!: Record<string, number>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) firstAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) daysSinceLast!: number | null;
}

export class ProductWarrantyViewDto {
  @ApiProperty({ type: Number, nullable: true }) commercialPolicyVersion!: number | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  commercialEndsAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  legalGuaranteeEndsAt!: string | null;
  @ApiProperty() coveredNow!: boolean;
}

export class ProductViewDto {
  @ApiProperty({ example: 'tv-1' }) purchaseId!: string;
  @ApiProperty({ example: 'TV-55-OLED' }) sku!: string;
  @ApiProperty({ example: 'tv' }) productCategory!: string;
  @ApiProperty({ type: String, nullable: true, example: 'SN-1' }) serialNumber!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2024H1-A',
    description: "The supplier's batch (lot), where recorded",
  })
  supplierBatch!: string | null;
  @ApiProperty({ example: 899 }) price!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ format: 'date-time' }) purchasedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) returnWindowEndsAt!: string;
  @ApiProperty({ type: ProductWarrantyViewDto }) warranty!: ProductWarrantyViewDto;
}

export class OpenComplaintDto {
  @ApiProperty({ example: 'k-1' }) complaintId!: string;
  @ApiProperty({ example: 'installation' }) category!: string;
  @ApiProperty({ example: 'medium' }) severity!: string;
  @ApiProperty({ format: 'date-time' }) filedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  acknowledgedAt!: string | null;
  @ApiProperty({ example: 2 }) ageDays!: number;
}

export class SatisfactionViewDto {
  @ApiProperty({ enum: SATISFACTION_LEVELS, example: 'at_risk' }) state!: string;
  @ApiProperty({ type: String, isArray: true, example: ['Detractor NPS (6)'] })
  reasons!: string[];
  @ApiProperty({
    ...OPEN,
    description: 'NPS, CSAT, CES, complaints, promises kept, repeat repairs',
  })
  metrics!: Record<string, unknown>;
}

export class ChurnFactorDto {
  @ApiProperty({ example: 'detractor_feedback' }) name!: string;
  @ApiProperty() value!: number;
  @ApiProperty() weight!: number;
  @ApiProperty({ description: 'weight x value, on the log-odds scale' }) contribution!: number;
}

export class ChurnRiskViewDto {
  @ApiProperty({ minimum: 0, maximum: 1, example: 0.42 }) probability!: number;
  @ApiProperty({ enum: CHURN_BAND_VALUES, example: 'medium' }) band!: string;
  @ApiProperty({ type: ChurnFactorDto, isArray: true }) factors!: ChurnFactorDto[];
  @ApiProperty({ minimum: 0, maximum: 1 }) pAlive!: number;
  @ApiProperty({
    required: false,
    example: 'factors+pooled/180d',
    description:
      "The experience factors read, chosen by the store's own backtest (docs/churn.md); factors = the nine",
  })
  structure?: string;
}

export class CustomerClvViewDto {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) pAlive!: number;
  @ApiProperty() expectedPurchases!: number;
  @ApiProperty() expectedAverageValue!: number;
  @ApiProperty({ example: 412.5 }) clv!: number;
  @ApiProperty() horizonWeeks!: number;
  @ApiProperty({ ...OPEN, description: 'The population fit the value comes from' })
  fit!: Record<string, unknown>;
}

export class CustomerViewResponseDto {
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ format: 'date-time', description: 'The moment the view is computed for' })
  now!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  registeredAt!: string | null;
  @ApiProperty({
    ...OPEN,
    nullable: true,
    example: { name: 'Ada Lovelace', email: 'ada@example.com' },
    description: 'Personal data, for identities allowed to read it; null or marked once erased',
  })
  contact!: Record<string, unknown> | null;
  @ApiProperty() piiErased!: boolean;
  @ApiProperty({ type: String, nullable: true, example: 'EU' }) jurisdiction!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'DE' }) countryCode!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'consumer' }) segment!: string | null;
  @ApiProperty({ type: LastInteractionDto, nullable: true })
  lastInteraction!: LastInteractionDto | null;
  @ApiProperty({ type: PurchasesSummaryDto }) purchases!: PurchasesSummaryDto;
  @ApiProperty({ type: ProductViewDto, isArray: true }) products!: ProductViewDto[];
  @ApiProperty({ type: OpenComplaintDto, isArray: true }) openComplaints!: OpenComplaintDto[];
  @ApiProperty({ type: 'array', items: OPEN }) openClaims!: Record<string, unknown>[];
  @ApiProperty({ type: 'array', items: OPEN })
  activeMaintenancePlans!: Record<string, unknown>[];
  @ApiProperty({ example: 0 }) referrals!: number;
  @ApiProperty({ type: 'array', items: OPEN, description: 'After-sales cost by currency' })
  afterSalesCost!: Record<string, unknown>[];
  @ApiProperty({ type: SatisfactionViewDto }) satisfaction!: SatisfactionViewDto;
  @ApiProperty({ type: ChurnRiskViewDto, nullable: true, description: 'null: see unavailable' })
  churnRisk!: ChurnRiskViewDto | null;
  @ApiProperty({ type: CustomerClvViewDto, nullable: true, description: 'null: see unavailable' })
  clv!: CustomerClvViewDto | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { clv: 'No CLV model has been fitted yet' },
    description: 'Why churnRisk or clv is null',
  })
  unavailable!: Record<string, string>;
}

export class CustomerListItemDto {
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Ada Lovelace',
    description: 'null when erased or not readable by the caller',
  })
  name!: string | null;
  @ApiProperty({ enum: SATISFACTION_LEVELS }) satisfaction!: string;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: {
      probability: { type: 'number', minimum: 0, maximum: 1 },
      band: { type: 'string', enum: [...CHURN_BAND_VALUES] },
    },
    required: ['probability', 'band'],
  })
  churnRisk!: { probability: number; band: string } | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    properties: {
      clv: { type: 'number' },
      pAlive: { type: 'number' },
      currency: { type: 'string' },
    },
    required: ['clv', 'pAlive', 'currency'],
  })
  clv!: { clv: number; pAlive: number; currency: string } | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    description: 'Churn probability x CLV, in the CLV currency',
    properties: { amount: { type: 'number' }, currency: { type: 'string' } },
    required: ['amount', 'currency'],
  })
  valueAtRisk!: { amount: number; currency: string } | null;
  @ApiProperty({ type: String, nullable: true, example: 'consumer' }) segment!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'DE' }) countryCode!: string | null;
  @ApiProperty({ example: 3 }) purchases!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastPurchaseAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastInteractionAt!: string | null;
  @ApiProperty({ example: 1 }) openComplaints!: number;
  @ApiProperty({
    format: 'date-time',
    description: 'The "now" churn risk and CLV were computed at',
  })
  scoredAt!: string;
}

export class ScoreFitDto {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty() fitId!: string;
}

export class CustomerScoresStatusDto {
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'Every score was computed at or after this instant (null before the first full pass)',
  })
  asOf!: string | null;
  @ApiProperty({
    enum: ['building', 'refreshing', 'current'],
    description:
      'building: the first full pass is under way and some customers are missing; refreshing: a pass after a refit or at a new UTC day is under way; current: every customer scored with the fits listed',
  })
  state!: string;
  @ApiProperty({ type: ScoreFitDto, isArray: true }) fits!: ScoreFitDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Profile and satisfaction changes are scored up to this global position',
  })
  checkpoint!: string | null;
}

export class CustomerListPageResponseDto {
  @ApiProperty({ format: 'date-time' }) now!: string;
  @ApiProperty({ type: CustomerScoresStatusDto }) scores!: CustomerScoresStatusDto;
  @ApiProperty({ type: CustomerListItemDto, isArray: true }) items!: CustomerListItemDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page' })
  nextCursor!: string | null;
}

export class TimelineItemDto {
  @ApiProperty({ example: '42', description: 'Global position' }) position!: string;
  @ApiProperty({ example: 'customer-ada' }) streamId!: string;
  @ApiProperty({ example: '3' }) revision!: string;
  @ApiProperty({ example: 'ComplaintFiled' }) type!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  occurredAt!: string | null;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ example: 'Complaint k-1 filed (installation, medium)' }) summary!: string;
  @ApiProperty({
    description: "The event's data as recorded (personal data as the caller may see it)",
  })
  data!: unknown;
}

export class TimelinePageResponseDto {
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ type: TimelineItemDto, isArray: true }) items!: TimelineItemDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
