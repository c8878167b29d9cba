import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const MONTH = { example: '2026-10', pattern: '^\\d{4}-\\d{2}$' } as const;
const RATE = {
  type: Number,
  nullable: true,
  description: 'Defects per 1,000 unit-months in service',
};

export class DefectDetectorDto {
  @ApiProperty({ example: 2, description: 'Rate increase the CUSUM is tuned to detect (ratio)' })
  rateRatio!: number;
  @ApiProperty({ example: 7, description: 'Decision threshold h (log-likelihood-ratio scale)' })
  threshold!: number;
  @ApiProperty({
    example: 3,
    description: 'Months between the reference window and the month judged',
  })
  guardPeriods!: number;
  @ApiProperty({ example: 6, description: 'Reference months needed before monitoring starts' })
  minReferencePeriods!: number;
  @ApiProperty({ example: 0.5, description: 'Pseudo-count added to the reference defects' })
  priorDefects!: number;
}

export class DefectMonthDto {
  @ApiProperty(MONTH) month!: string;
  @ApiProperty({ description: 'Units in service over the month, in unit-months' })
  unitMonths!: number;
  @ApiProperty() defects!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Defects expected at the reference rate; null before monitoring starts',
  })
  expected!: number | null;
  @ApiProperty({ description: 'CUSUM statistic after the month' }) statistic!: number;
  @ApiProperty() alarm!: boolean;
}

export class DefectTrendDto {
  @ApiProperty({ example: 3 }) months!: number;
  @ApiProperty(RATE) recentRatePer1000UnitMonths!: number | null;
  @ApiProperty(RATE) referenceRatePer1000UnitMonths!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'recent / reference' })
  rateRatio!: number | null;
}

export class DefectCusumDto {
  @ApiProperty() statistic!: number;
  @ApiProperty() threshold!: number;
  @ApiProperty({ type: String, nullable: true, example: '2024-05' }) lastAlarm!: string | null;
  @ApiProperty({ description: 'An alarm in the last three closed months' }) rising!: boolean;
}

export class DefectBatchComparisonDto {
  @ApiProperty({ description: 'Defects in the months judged' }) observed!: number;
  @ApiProperty({
    description:
      "Defects expected in those months at the other batches' rates for the same unit ages",
  })
  expected!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'observed / expected' })
  ratio!: number | null;
}

export class DefectBatchReportDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2024H1-A',
    description: 'null: the units recorded without a supplier batch (counted, never judged)',
  })
  supplierBatch!: string | null;
  @ApiProperty({
    description: 'Serialised units of the batch sold by the end of the last closed month',
  })
  unitsSold!: number;
  @ApiProperty({ description: 'Unit-months in service' }) unitMonths!: number;
  @ApiProperty() defects!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'Defects per 1,000 units sold' })
  ratePer1000Units!: number | null;
  @ApiProperty(RATE) ratePer1000UnitMonths!: number | null;
  @ApiProperty({ description: 'Judged by the CUSUM: a recorded batch with at least 20 units' })
  judged!: boolean;
  @ApiProperty({ type: DefectBatchComparisonDto }) comparison!: DefectBatchComparisonDto;
  @ApiProperty({ type: DefectCusumDto }) cusum!: DefectCusumDto;
}

export class DefectCodeReportDto {
  @ApiProperty({ example: 'E42-NO-POWER' }) defectCode!: string;
  @ApiProperty() defects!: number;
  @ApiProperty(RATE) ratePer1000UnitMonths!: number | null;
  @ApiProperty({ type: DefectTrendDto }) trend!: DefectTrendDto;
  @ApiProperty({ type: DefectCusumDto }) cusum!: DefectCusumDto;
  @ApiProperty({ type: DefectMonthDto, isArray: true, description: 'The last 12 closed months' })
  months!: DefectMonthDto[];
  @ApiPropertyOptional({
    type: DefectBatchReportDto,
    isArray: true,
    description: 'By supplier batch (with by=batch)',
  })
  byBatch?: DefectBatchReportDto[];
}

export class DefectSkuReportDto {
  @ApiProperty({ example: 'TV-55-OLED' }) sku!: string;
  @ApiProperty({ example: 'tv' }) productCategory!: string;
  @ApiProperty({ description: 'Serialised units bought by the end of the last closed month' })
  unitsInService!: number;
  @ApiProperty() defects!: number;
  @ApiProperty(RATE) ratePer1000UnitMonths!: number | null;
  @ApiProperty({ type: DefectCodeReportDto, isArray: true }) byDefect!: DefectCodeReportDto[];
}

export class DefectReportResponseDto {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ ...MONTH, description: 'The last closed month judged' }) throughMonth!: string;
  @ApiProperty({ type: DefectDetectorDto }) detector!: DefectDetectorDto;
  @ApiProperty({ type: DefectSkuReportDto, isArray: true }) skus!: DefectSkuReportDto[];
}
