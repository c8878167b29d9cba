import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Min, MinLength } from 'class-validator';
import { IsInstantOrDate } from '../write/dto/dto-validators';
import { PageQueryDto } from '../read/read-query.dto';

export class WarrantyDecisionsQueryDto extends PageQueryDto {
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

  @IsInstantOrDate({ description: 'Decisions made on or after this date (business time)' })
  from?: string;

  @IsInstantOrDate({ description: 'Decisions made on or before this date (business time)' })
  to?: string;
}
