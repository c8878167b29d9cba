import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Min, MinLength } from 'class-validator';

export class WarrantyDecisionsQueryDto {
  @ApiPropertyOptional({ enum: ['approved', 'rejected', 'needs_review'] })
  @IsOptional()
  @IsIn(['approved', 'rejected', 'needs_review'])
  outcome?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  policyId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  policyVersion?: number;

  @ApiPropertyOptional({ description: 'Decisions made on or after this date (business time)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Decisions made on or before this date (business time)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}
