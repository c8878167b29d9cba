import { ApiProperty } from '@nestjs/swagger';
import { RETENTION_ACTIONS } from '@aftercare/domain';

const INTERVAL = {
  type: Number,
  isArray: true,
  nullable: true,
  minItems: 2,
  maxItems: 2,
} as const;
const ACTION = { enum: RETENTION_ACTIONS, example: 'recovery_call' } as const;
const SOURCE = {
  enum: ['history', 'assumption'],
  description:
    "'history': Δ estimated from the store's own history; 'assumption': the history was too thin and a stated assumption is used",
} as const;

export class NbaShareDto {
  @ApiProperty({
    description:
      "The share of the service risk used: the history's estimate weighed against a prior centred on 0 by their precisions; at most 0 when the estimate is less than 1.96 standard errors above 0",
  })
  believed!: number;
  @ApiProperty({ description: "The history's estimate (or the stated assumption)" })
  estimate!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Bootstrap standard error' })
  standardError!: number | null;
  @ApiProperty({ ...INTERVAL, description: '95% bootstrap interval of the share' })
  ci95!: [number, number] | null;
  @ApiProperty({
    description:
      'Weight of the estimate against the prior (1: a stated assumption, taken as stated)',
  })
  historyWeight!: number;
}

export class NbaEvidenceDto {
  @ApiProperty(SOURCE) source!: 'history' | 'assumption';
  @ApiProperty({ example: 'f2-3/r30', description: 'Comparison stratum: frequency/recency' })
  stratum!: string;
  @ApiProperty({
    example: 'i2',
    description:
      'Bad incidents in the 90 days before (i0, i1, i2, i3+): one of the comparison cells (fits before the share: Δ was measured in each band)',
  })
  troubleBand!: string;
  @ApiProperty({ description: 'Eligible trials that got the action' }) treated!: number;
  @ApiProperty({ description: 'Eligible trials that got no action' }) controls!: number;
  @ApiProperty({ ...INTERVAL, description: "95% bootstrap interval of this customer's Δ P(stay)" })
  ci95!: [number, number] | null;
  @ApiProperty() method!: string;
  @ApiProperty({ description: 'What to keep in mind about this evidence (may be empty)' })
  note!: string;
  @ApiProperty({
    required: false,
    description:
      "The churn risk the customer's service experience adds (the churn score over the purchase process's own), which actions act on; absent for fits before the share",
  })
  serviceRisk?: number;
  @ApiProperty({
    type: NbaShareDto,
    required: false,
    description:
      'The share of the service risk the action takes away: Δ P(stay) = believed x serviceRisk',
  })
  share?: NbaShareDto;
}

export class NextActionDto {
  @ApiProperty(ACTION) action!: string;
  @ApiProperty({ description: 'The eligibility rule that made it a candidate' }) reason!: string;
  @ApiProperty({ description: 'Δ P(stay) x CLV - cost, in the customer currency' })
  expectedValue!: number;
  @ApiProperty({ ...INTERVAL, description: 'Expected value at the ends of the 95% interval of Δ' })
  expectedValueInterval!: [number, number] | null;
  @ApiProperty({
    description:
      "Δ P(stay over the horizon) used: the share of the service risk believed x the customer's service risk",
  })
  deltaStay!: number;
  @ApiProperty({ description: 'Expected revenue over the horizon' }) clv!: number;
  @ApiProperty() cost!: number;
  @ApiProperty({ type: NbaEvidenceDto }) evidence!: NbaEvidenceDto;
}

export class NbaFitWindowDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) from!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) to!: string;
}

export class NbaValueModelSummaryDto {
  @ApiProperty() method!: string;
  @ApiProperty({ example: 52 }) horizonWeeks!: number;
}

export class NbaFitSummaryDto {
  @ApiProperty({ format: 'uuid' }) fitId!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'The end of the history read' })
  asOf!: string;
  @ApiProperty({ type: NbaFitWindowDto }) window!: NbaFitWindowDto;
  @ApiProperty() customers!: number;
  @ApiProperty({ description: 'Customers whose best action has a positive expected value' })
  customersWithAction!: number;
  @ApiProperty({ type: NbaValueModelSummaryDto }) valueModel!: NbaValueModelSummaryDto;
}

export class CustomerNextActionsResponseDto {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) at!: string;
  @ApiProperty({ type: String, nullable: true, example: 'EUR' }) currency!: string | null;
  @ApiProperty({ type: NbaFitSummaryDto }) fit!: NbaFitSummaryDto;
  @ApiProperty({ type: NextActionDto, isArray: true, description: 'Best expected value first' })
  actions!: NextActionDto[];
}

export class RankedActionDto {
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: String, nullable: true }) currency!: string | null;
  @ApiProperty(ACTION) action!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() expectedValue!: number;
  @ApiProperty(INTERVAL) expectedValueInterval!: [number, number] | null;
  @ApiProperty() deltaStay!: number;
  @ApiProperty() clv!: number;
  @ApiProperty() cost!: number;
  @ApiProperty(SOURCE) source!: 'history' | 'assumption';
  @ApiProperty() stratum!: string;
}

export class RankedNextActionsResponseDto {
  @ApiProperty({ type: NbaFitSummaryDto }) fit!: NbaFitSummaryDto;
  @ApiProperty() budget!: number;
  @ApiProperty({
    type: RankedActionDto,
    isArray: true,
    description: "Each customer's best action at the fit's time, best expected value first",
  })
  items!: RankedActionDto[];
}
