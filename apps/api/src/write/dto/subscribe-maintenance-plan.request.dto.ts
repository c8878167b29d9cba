import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { BILLING_PERIODS, type BillingPeriod } from '@aftercare/domain';
import { IsAmount, IsCurrency, IsEntityId } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class SubscribeMaintenancePlanRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  planId?: string;

  @IsEntityId({ required: false, description: 'The purchase the plan maintains, if one' })
  purchaseId?: string;

  @IsAmount({ example: 9.99 })
  price!: number;

  @IsCurrency()
  currency!: string;

  @ApiProperty({ enum: BILLING_PERIODS })
  @IsIn(BILLING_PERIODS)
  billingPeriod!: BillingPeriod;
}
