import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNumber, Min } from 'class-validator';
import { BILLING_PERIODS, type BillingPeriod } from '@aftercare/domain';
import { IsCurrency, IsEntityId } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class SubscribeMaintenancePlanRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  planId?: string;

  @IsEntityId({ required: false, description: 'The purchase the plan maintains, if one' })
  purchaseId?: string;

  @ApiProperty({ example: 9.99, minimum: 0 })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0)
  price!: number;

  @IsCurrency()
  currency!: string;

  @ApiProperty({ enum: BILLING_PERIODS })
  @IsIn(BILLING_PERIODS)
  billingPeriod!: BillingPeriod;
}
