import { ApiProperty } from '@nestjs/swagger';
import { CustomerScoresStatusDto } from './customer.response.dto';

export class BandValueAtRiskDto {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: 182340.5, description: 'Sum of churn probability × CLV' })
  amount!: number;
  @ApiProperty({ description: 'Customers of the band with a CLV in this currency' })
  customers!: number;
}

export class ChurnBandTotalsDto {
  @ApiProperty({ enum: ['low', 'medium', 'high', 'unscored'] }) band!: string;
  @ApiProperty({ example: 1200 }) customers!: number;
  @ApiProperty({ type: BandValueAtRiskDto, isArray: true }) valueAtRisk!: BandValueAtRiskDto[];
}

export class ChurnBandsResponseDto {
  @ApiProperty({ type: CustomerScoresStatusDto }) scores!: CustomerScoresStatusDto;
  @ApiProperty({ type: ChurnBandTotalsDto, isArray: true }) bands!: ChurnBandTotalsDto[];
}

export class HistogramBinDto {
  @ApiProperty({ example: 200 }) from!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: 400,
    description: 'Exclusive; null for the open bin past the 99th percentile',
  })
  to!: number | null;
  @ApiProperty({ example: 310 }) count!: number;
}

export class ClvDistributionDto {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ description: 'Customers with a CLV in this currency' }) count!: number;
  @ApiProperty({ type: Number, nullable: true }) median!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p90!: number | null;
  @ApiProperty({ type: Number, nullable: true }) p99!: number | null;
  @ApiProperty({ type: HistogramBinDto, isArray: true }) bins!: HistogramBinDto[];
}

export class ClvDistributionResponseDto {
  @ApiProperty({ type: CustomerScoresStatusDto }) scores!: CustomerScoresStatusDto;
  @ApiProperty({ type: ClvDistributionDto, isArray: true }) currencies!: ClvDistributionDto[];
}
