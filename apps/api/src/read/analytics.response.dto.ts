import { ApiProperty } from '@nestjs/swagger';

const COUNTS = { type: 'object', additionalProperties: { type: 'number' } } as const;
const MONTH = { example: '2026-10', pattern: '^\\d{4}-\\d{2}$' } as const;

export class NpsMonthDto {
  @ApiProperty(MONTH) month!: string;
  @ApiProperty({ example: 120 }) responses!: number;
  @ApiProperty() promoters!: number;
  @ApiProperty() passives!: number;
  @ApiProperty() detractors!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 31.7,
    description: '% promoters - % detractors',
  })
  nps!: number | null;
}

export class NpsByMonthResponseDto {
  @ApiProperty({ type: NpsMonthDto, isArray: true }) months!: NpsMonthDto[];
}

export class CesSummaryDto {
  @ApiProperty() responses!: number;
  @ApiProperty({ type: Number, nullable: true }) mean!: number | null;
}

export class CsatMonthDto {
  @ApiProperty(MONTH) month!: string;
  @ApiProperty() responses!: number;
  @ApiProperty({ type: Number, nullable: true, example: 4.1 }) mean!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.78, description: 'Share of 4-5' })
  satisfiedShare!: number | null;
  @ApiProperty({ type: CesSummaryDto }) ces!: CesSummaryDto;
}

export class CsatByMonthResponseDto {
  @ApiProperty({ type: CsatMonthDto, isArray: true }) months!: CsatMonthDto[];
}

export class SkuComplaintsDto {
  @ApiProperty({ example: 'TV-55-OLED' }) sku!: string;
  @ApiProperty({ example: 'tv' }) productCategory!: string;
  @ApiProperty() unitsSold!: number;
  @ApiProperty() complaints!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Complaints per unit sold' })
  complaintRate!: number | null;
  @ApiProperty({ ...COUNTS, example: { installation: 3 } }) byCategory!: Record<string, number>;
}

export class ComplaintsBySkuResponseDto {
  @ApiProperty({ type: SkuComplaintsDto, isArray: true }) skus!: SkuComplaintsDto[];
}

export class DefectRepairsDto {
  @ApiProperty({ example: 'E42-NO-POWER' }) defectCode!: string;
  @ApiProperty() repairs!: number;
  @ApiProperty({ type: Number, nullable: true }) rate!: number | null;
}

export class SkuRepairsDto {
  @ApiProperty({ example: 'TV-55-OLED' }) sku!: string;
  @ApiProperty({ example: 'tv' }) productCategory!: string;
  @ApiProperty() unitsSold!: number;
  @ApiProperty() repairs!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Repairs per unit sold' })
  repairRate!: number | null;
  @ApiProperty({ description: 'Serials of this SKU repaired more than once' })
  repeatRepairSerials!: number;
  @ApiProperty({ type: DefectRepairsDto, isArray: true }) byDefect!: DefectRepairsDto[];
}

export class RepairsBySkuResponseDto {
  @ApiProperty({ type: SkuRepairsDto, isArray: true }) skus!: SkuRepairsDto[];
}

export class ProductWarrantyCostDto {
  @ApiProperty({ example: 'tv' }) productCategory!: string;
  @ApiProperty({ example: 'TV-55-OLED' }) sku!: string;
  @ApiProperty() claims!: number;
  @ApiProperty() approved!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty() needsReview!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() overridden!: number;
  @ApiProperty({
    ...COUNTS,
    example: { EUR: 1250 },
    description: 'Paid or committed, by currency (never summed across currencies)',
  })
  costByCurrency!: Record<string, number>;
}

export class WarrantyCostByProductResponseDto {
  @ApiProperty({ type: ProductWarrantyCostDto, isArray: true })
  products!: ProductWarrantyCostDto[];
}

export class CohortMonthDto {
  @ApiProperty({ example: 1, description: '1 = the month after the first purchase' })
  offset!: number;
  @ApiProperty(MONTH) month!: string;
  @ApiProperty() active!: number;
  @ApiProperty({ type: Number, nullable: true }) rate!: number | null;
}

export class CohortRetentionDto {
  @ApiProperty({ ...MONTH, description: 'Month of the first purchase' }) cohort!: string;
  @ApiProperty() customers!: number;
  @ApiProperty({ type: CohortMonthDto, isArray: true }) months!: CohortMonthDto[];
}

export class CohortRetentionResponseDto {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ type: CohortRetentionDto, isArray: true }) cohorts!: CohortRetentionDto[];
}
